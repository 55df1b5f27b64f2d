import { cutText, vaultMarksIn } from '@tss/contracts';
import type { Language } from '@tss/contracts';
import { withoutAccessParticulars } from '@tss/service-kit';
import { KIT_STRINGS, linkedText, renderHtml, translate } from '@tss/web-pages';

/** A mail as rendered: the subject and both bodies (plain text first, HTML for clients that show it). */
export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** What every template of a ticket's mail knows. */
export interface TicketMailContext {
  reference: string;
  /** The ticket's subject as filed. */
  subject: string;
  language: Language;
  /**
   * P12: the ticket on the requester's support site (a signed link, docs/adr/0037): every mail to
   * the requester carries it, so a requester whose mail is filtered still reads the whole thread.
   */
  siteUrl?: string;
}

// The backtick too, as the support site's pages escape it (`linkedText` writes the agent's words that way).
const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };
export const escapeHtml = (text: string): string => text.replace(/[&<>"'`]/g, (c) => HTML_ESCAPES[c]);
const HTML_UNESCAPES: Record<string, string> = Object.fromEntries(Object.entries(HTML_ESCAPES).map(([c, escaped]) => [escaped, c]));
/** `escapeHtml` undone: the text an HTML body's run was written from. */
export const unescapeHtml = (html: string): string => html.replace(/&(?:amp|lt|gt|quot|#39|#96);/g, (escaped) => HTML_UNESCAPES[escaped]);

/** Every tag but `<br>`, which `renderBlocks` writes for a paragraph's line break. */
const TAG_BUT_LINE_BREAK = /(<(?!br>)[^>]*>)/;

/**
 * P9 for an HTML body as `renderBlocks` writes it (a mail kept before its text was masked): each
 * run of text between tags, read back as text (its `<br>` a line break, so "login: …<br>password:
 * …" is one finding as in the plain body), passed through `withoutAccessParticulars` (or `mask`,
 * e.g. `withoutPrivateKeys` for an upgrade that takes keys only) and written again as
 * `renderBlocks` would. Tags, and runs without particulars, are left byte for byte.
 */
export const htmlWithoutAccessParticulars = (html: string, mask: (text: string) => string = withoutAccessParticulars): string =>
  html
    .split(TAG_BUT_LINE_BREAK)
    .map((part, i) => {
      if (i % 2 === 1) return part;
      const text = unescapeHtml(part.replace(/<br>/g, '\n'));
      const masked = mask(text);
      return masked === text ? part : escapeHtml(masked).replace(/\n/g, '<br>');
    })
    .join('');

/**
 * P3/P8: the reference in brackets leads the subject, so a reply threads back by subject too. A
 * request mailed with neither subject nor text has no subject to name (docs/adr/0035, fifth session).
 * P9: a vault mark in it reads in the mail's language, as the site shows it (docs/adr/0026, sixth session).
 */
export const ticketSubject = (ctx: TicketMailContext, lead: string): string =>
  cutText(ctx.subject.trim() ? `[${ctx.reference}] ${lead}: ${vaultMarksIn(ctx.subject, ctx.language)}` : `[${ctx.reference}] ${lead}`, 250);

/**
 * A block of the mail: a paragraph of our own words, a list of items, a link, or `written`: words
 * a person wrote (an agent's reply, a requester's words quoted to staff), in whatever script and
 * direction they wrote them.
 */
export type MailBlock =
  | { paragraph: string }
  /** `links`: its web addresses are links in the HTML part (an agent's reply, as the support site shows it). */
  | { written: string; links?: boolean }
  | { list: readonly string[] }
  | { link: { text: string; href: string } }
  /** Files, each by its name (as a person gave it: any script, so `dir="auto"`) and size, linked to its download when `href` is given. */
  | { files: readonly MailFile[] };

/** A file a mail names: its name as the thread shows it, its size in words, where it downloads. */
export interface MailFile {
  name: string;
  size: string;
  href?: string;
}

const fileText = (f: MailFile): string => `- ${f.name} (${f.size})${f.href ? `: ${f.href}` : ''}`;
const fileHtml = (f: MailFile): string =>
  `<li>${f.href ? `<a href="${escapeHtml(f.href)}" dir="auto">${escapeHtml(f.name)}</a>` : `<span dir="auto">${escapeHtml(f.name)}</span>`} (${escapeHtml(f.size)})</li>`;

const SITE_LINK_WORDS: Record<Language, { lead: string; text: string }> = {
  en: { lead: 'The whole thread of this request is on the support site:', text: 'Open the request' },
  ru: { lead: 'Вся переписка по обращению — на сайте поддержки:', text: 'Открыть обращение' },
};

/**
 * The sign-off of a requester's mail: the name the support site's header shows ("Technical
 * support", «Техническая поддержка»), where the mail's link leads: one team, one name.
 */
export const signOffBlock = (language: Language): MailBlock => ({ paragraph: translate(KIT_STRINGS, language, 'siteName') });

/** P12: the support-site link block of a requester's mail (none when the mail has no link). */
export const siteLinkBlocks = (ctx: TicketMailContext): MailBlock[] =>
  ctx.siteUrl ? [{ paragraph: SITE_LINK_WORDS[ctx.language].lead }, { link: { text: SITE_LINK_WORDS[ctx.language].text, href: ctx.siteUrl } }] : [];

const paragraphHtml = (text: string): string => escapeHtml(text).replace(/\n/g, '<br>');

/**
 * P8/P13 ("links in the body", documentation answers): the http(s) addresses in a person's words as
 * links, by the support site's rule (`linkedText`, libs/web-pages: no other scheme, trailing
 * punctuation left out, escaped in the href and the text, rel="noopener noreferrer nofollow").
 * A line break cannot fall inside a link: an address ends at white space.
 */
const linkedParagraphHtml = (text: string): string => renderHtml(linkedText(text)).replace(/\n/g, '<br>');

/**
 * WCAG 1.4.10 Reflow, as the site's `.message-body` does: a word longer than the line (a long web
 * address in an agent's reply) breaks instead of widening a narrow mail view (a phone: 320 CSS px).
 * Inline, on a wrapper: mail clients drop `<style>` and the `<body>` element's attributes, not this.
 * `word-break: break-word` for clients that do not know `anywhere` yet.
 */
const WRAP_ANYWHERE = 'overflow-wrap:anywhere;word-break:break-word';

/**
 * Both bodies from the same blocks, so the plain text and the HTML never say different things.
 * The HTML names the mail's language (`lang`: screen readers, hyphenation, fonts); what a person
 * wrote, and the subject (it holds the requester's words), get `dir="auto"`: their first strong
 * letter sets their direction, so Hebrew or Arabic reads right to left in an English mail.
 */
export const renderBlocks = (subject: string, blocks: readonly MailBlock[], language: Language): RenderedMail => {
  const text = blocks
    .map((b) =>
      'paragraph' in b
        ? b.paragraph
        : 'written' in b
          ? b.written
          : 'list' in b
            ? b.list.map((item) => `- ${item}`).join('\n')
            : 'files' in b
              ? b.files.map(fileText).join('\n')
              : `${b.link.text}: ${b.link.href}`,
    )
    .join('\n\n');
  const html = blocks
    .map((b) =>
      'paragraph' in b
        ? `<p>${paragraphHtml(b.paragraph)}</p>`
        : 'written' in b
          ? `<p dir="auto">${b.links ? linkedParagraphHtml(b.written) : paragraphHtml(b.written)}</p>`
          : 'list' in b
            ? `<ul>${b.list.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</ul>`
            : 'files' in b
              ? `<ul>${b.files.map(fileHtml).join('')}</ul>`
              : `<p><a href="${escapeHtml(b.link.href)}">${escapeHtml(b.link.text)}</a></p>`,
    )
    .join('\n');
  const head = `<head><meta charset="utf-8"><title dir="auto">${escapeHtml(subject)}</title></head>`;
  return { subject, text: `${text}\n`, html: `<!doctype html>\n<html lang="${language}">\n${head}\n<body>\n<div style="${WRAP_ANYWHERE}">\n${html}\n</div>\n</body></html>\n` };
};
