import { Products } from '@tss/contracts';
import { hiddenField, html, postForm, renderPage, selectField, submitButton, textArea, textField, type FieldError, type Language } from '@tss/web-pages';
import type { FieldProblem, NewRequestField, NewRequestValues } from '../../domain/new-request-form';
import { formatInstant, productText, siteText, type SiteStringKey } from './site-strings';

/** Each field's label; a field's control has the field's name as its id, which the error summary links to. */
const LABELS: Readonly<Record<NewRequestField, SiteStringKey>> = {
  product: 'product',
  productVersion: 'productVersion',
  description: 'description',
  stepsToReproduce: 'steps',
  browser: 'browser',
  operatingSystem: 'operatingSystem',
  operatingSystemVersion: 'operatingSystemVersion',
  connectivity: 'connectivity',
  antivirus: 'antivirus',
  email: 'email',
  name: 'name',
};

const MISSING: Partial<Record<NewRequestField, SiteStringKey>> = { product: 'productMissing', productVersion: 'versionMissing', description: 'descriptionMissing' };

/** The form's problems as the page words them, in the form's order. */
export const fieldErrorsOf = (language: Language, problems: readonly FieldProblem[]): FieldError[] =>
  (Object.keys(LABELS) as NewRequestField[]).flatMap((field) =>
    problems
      .filter((p) => p.field === field)
      .slice(0, 1)
      .map((p) => ({
        fieldId: field,
        message:
          p.problem === 'too_long'
            ? `${siteText(language, LABELS[field])}: ${siteText(language, 'tooLong', { max: p.maxLength })}`
            : p.problem === 'unreadable'
              ? `${siteText(language, LABELS[field])}: ${siteText(language, 'unreadable')}`
              : p.problem === 'missing'
              ? siteText(language, MISSING[field] ?? 'descriptionMissing')
              : field === 'email'
                ? siteText(language, 'emailInvalid')
                : siteText(language, 'productMissing'),
      })),
  );

export interface NewRequestPageInput {
  language: Language;
  stylesheetHref: string;
  partnerId: string;
  partnerName: string;
  csrfToken: string;
  values?: NewRequestValues;
  errors?: readonly FieldError[];
}

/** `GET /support/new?partner=`: the P2 details, product from the P1 catalogue. */
export const renderNewRequestPage = (input: NewRequestPageInput): string => {
  const { language: lang } = input;
  const values = input.values ?? {};
  const errorOf = (id: string) => input.errors?.find((e) => e.fieldId === id)?.message;
  const text = (field: NewRequestField, options: { required?: boolean; hint?: SiteStringKey; type?: 'text' | 'email'; autocomplete?: string; maxLength?: number } = {}) =>
    textField({
      id: field,
      label: siteText(lang, LABELS[field]),
      language: lang,
      required: options.required,
      hint: options.hint ? siteText(lang, options.hint) : undefined,
      error: errorOf(field),
      value: values[field],
      type: options.type,
      autocomplete: options.autocomplete,
    });
  const area = (field: NewRequestField, options: { required?: boolean; hint?: SiteStringKey; rows?: number } = {}) =>
    textArea({ id: field, label: siteText(lang, LABELS[field]), language: lang, required: options.required, hint: options.hint ? siteText(lang, options.hint) : undefined, error: errorOf(field), value: values[field], rows: options.rows });
  const body = html`<p>${siteText(lang, 'newIntro')}</p>
${postForm(
  { action: `/support/new?partner=${input.partnerId}`, csrfToken: input.csrfToken },
  hiddenField('language', lang),
  selectField({
    id: 'product',
    label: siteText(lang, 'product'),
    language: lang,
    required: true,
    error: errorOf('product'),
    value: values.product,
    placeholder: siteText(lang, 'productChoose'),
    options: Products.map((p) => ({ value: p, label: productText(lang, p) })),
  }),
  text('productVersion', { required: true, hint: 'productVersionHint' }),
  area('description', { required: true, rows: 8 }),
  area('stepsToReproduce', { hint: 'stepsHint', rows: 6 }),
  text('browser'),
  text('operatingSystem'),
  text('operatingSystemVersion'),
  area('connectivity', { rows: 3 }),
  area('antivirus', { rows: 3 }),
  text('email', { type: 'email', autocomplete: 'email', hint: 'emailHint' }),
  text('name', { autocomplete: 'name' }),
  submitButton(siteText(lang, 'submit')),
)}`;
  return renderPage({ language: lang, title: siteText(lang, 'newTitle'), stylesheetHref: input.stylesheetHref, body, errors: input.errors, siteName: input.partnerName });
};

/**
 * The page after filing: the reference number (P3), said truthfully: mail is promised only to who
 * gave an address, and carries the link to the request's page; a visitor without one gets that
 * link here, the only way back to the request (P12; docs/adr/0037 addendum).
 */
export const renderFiledPage = (input: {
  language: Language;
  stylesheetHref: string;
  partnerName: string;
  reference: string;
  mailed: boolean;
  followLink?: { url: string; expiresAt: Date };
}): string => {
  const lang = input.language;
  const follow = input.followLink;
  return renderPage({
    language: lang,
    title: siteText(lang, 'filedTitle'),
    stylesheetHref: input.stylesheetHref,
    siteName: input.partnerName,
    body: html`<p>${siteText(lang, 'filedBody')}: <strong class="reference">${input.reference}</strong></p>
<p>${siteText(lang, input.mailed ? 'filedNext' : 'filedNoMail')}</p>
${input.mailed ? html`<p>${siteText(lang, 'filedMailLink')}</p>` : ''}
${
  follow
    ? html`<p>${siteText(lang, 'filedFollowOnly', { until: formatInstant(lang, follow.expiresAt.toISOString()) })}</p>
<p><a class="follow-link" href="${follow.url}">${siteText(lang, 'filedFollowLink')}</a></p>`
    : ''
}`,
  });
};
