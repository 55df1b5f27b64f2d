import { html, type Html, type HtmlValue } from './html';

/**
 * Web addresses in text a person wrote, as links (P8: "links in the body"): only `http:` and
 * `https:` (never `javascript:` or any other scheme), ending at white space or at a character a
 * bare address never holds (`<`, `>`, quotes, a backtick), without the punctuation that ends a
 * sentence or an unbalanced closing bracket. Everything else stays text, escaped like any; the
 * address is escaped in both the `href` and the link's text. Links carry
 * `rel="noopener noreferrer nofollow"`: the page they open learns nothing of ours, and support
 * pages lend them no rank.
 */
const WEB_ADDRESS = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const SENTENCE_END = '.,;:!?*';
const CLOSERS: Readonly<Record<string, string>> = { ')': '(', ']': '[', '}': '{' };

const count = (text: string, char: string): number => text.split(char).length - 1;

/** The address without what follows it in the sentence: `(see https://a.example/x).` → `https://a.example/x`. */
const withoutTrailingPunctuation = (candidate: string): string => {
  let end = candidate.length;
  while (end > 0) {
    const last = candidate[end - 1];
    const opener = CLOSERS[last];
    const unbalanced = opener !== undefined && count(candidate.slice(0, end), last) > count(candidate.slice(0, end), opener);
    if (!SENTENCE_END.includes(last) && !unbalanced) break;
    end -= 1;
  }
  return candidate.slice(0, end);
};

export const LINK_REL = 'noopener noreferrer nofollow';

/** `text` as markup in which each web address is a link; nothing else becomes markup. */
export const linkedText = (text: string): Html => {
  const parts: HtmlValue[] = [];
  let shown = 0;
  for (const match of text.matchAll(WEB_ADDRESS)) {
    const address = withoutTrailingPunctuation(match[0]);
    // A scheme with nothing after it ("https://.") is no address.
    if (!/^https?:\/\/[^/.]/i.test(address)) continue;
    parts.push(text.slice(shown, match.index), html`<a href="${address}" rel="${LINK_REL}">${address}</a>`);
    shown = match.index + address.length;
  }
  parts.push(text.slice(shown));
  return html`${parts}`;
};
