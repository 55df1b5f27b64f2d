/**
 * HTML that is safe to write into a page. Every value interpolated into `html` is escaped unless
 * it is itself `Html` (made by `html`, or by `trustedHtml` for text a developer wrote), so user
 * text can only ever become text: the one XSS guard of every page.
 */
export class Html {
  private constructor(readonly value: string) {}
  /** @internal only this module makes Html; use `html` or `trustedHtml`. */
  static of(value: string): Html {
    return new Html(value);
  }
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Escapes text for an HTML text node or a quoted attribute value. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"'`]/g, (c) => ESCAPES[c]);

/** What may be interpolated: text (escaped), numbers, markup, nothing (false, null, undefined), or a list of them. */
export type HtmlValue = Html | string | number | boolean | null | undefined | readonly HtmlValue[];

const render = (value: HtmlValue): string => {
  if (value === null || value === undefined || value === false || value === true) return '';
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
};

/** A template of markup: `html\`<p>${userText}</p>\`` escapes `userText`. */
export const html = (strings: TemplateStringsArray, ...values: HtmlValue[]): Html =>
  Html.of(strings.reduce((out, part, i) => out + part + (i < values.length ? render(values[i]) : ''), ''));

/** Markup written by a developer (never user input), e.g. a translated string with <strong>. */
export const trustedHtml = (markup: string): Html => Html.of(markup);

/** The markup of a value, escaped where it is text. */
export const renderHtml = (value: HtmlValue): string => render(value);
