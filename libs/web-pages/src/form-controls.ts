import { CSRF_FIELD } from './csrf';
import { html, type Html, type HtmlValue } from './html';
import { translate, type Language } from './language';
import { KIT_STRINGS } from './kit-strings';
import type { FieldError } from './layout';

/**
 * Form controls with a visible <label> for every one (WCAG 1.3.1, 3.3.2), a hint and an error
 * message tied to the control by `aria-describedby`, and `aria-invalid` on a control in error.
 * Required fields say so in their label; forms are `novalidate`, so the server's error summary is
 * the one way problems are reported, the same with and without a browser's checks.
 */
interface ControlBase {
  /** The control's id (an error summary links to it) and, unless `name` is given, its name. */
  id: string;
  name?: string;
  label: string;
  language: Language;
  hint?: string;
  /** The problem with this field, if any. */
  error?: string;
  required?: boolean;
}

const errorFor = (errors: readonly FieldError[] | undefined, id: string): string | undefined => errors?.find((e) => e.fieldId === id)?.message;

/** The error message for `id` from a form's list of problems. */
export const fieldError = errorFor;

const describedBy = (c: ControlBase): string | undefined =>
  [c.hint ? `${c.id}-hint` : '', c.error ? `${c.id}-error` : ''].filter(Boolean).join(' ') || undefined;

const labelText = (c: ControlBase): Html =>
  html`${c.label} <span class="hint-inline">${translate(KIT_STRINGS, c.language, c.required ? 'required' : 'optional')}</span>`;

const extras = (c: ControlBase): Html =>
  html`${c.hint ? html`<span class="hint" id="${c.id}-hint">${c.hint}</span>` : ''}${c.error ? html`<span class="field-error" id="${c.id}-error">${c.error}</span>` : ''}`;

const aria = (c: ControlBase): Html => {
  const by = describedBy(c);
  return html`${by ? html` aria-describedby="${by}"` : ''}${c.error ? html` aria-invalid="true"` : ''}${c.required ? html` aria-required="true"` : ''}`;
};

const fieldClass = (c: ControlBase): string => (c.error ? 'field field--error' : 'field');

// What a person types takes its direction from its first strong character (dir="auto"): Arabic or
// Hebrew reads right to left on a left-to-right page, and the other way round.
export const textField = (c: ControlBase & { value?: string; type?: 'text' | 'email'; autocomplete?: string; maxLength?: number }): Html =>
  html`<div class="${fieldClass(c)}">
<label for="${c.id}">${labelText(c)}</label>${extras(c)}
<input type="${c.type ?? 'text'}" id="${c.id}" name="${c.name ?? c.id}" value="${c.value ?? ''}" dir="auto"${c.autocomplete ? html` autocomplete="${c.autocomplete}"` : ''}${c.maxLength ? html` maxlength="${c.maxLength}"` : ''}${aria(c)}>
</div>`;

export const textArea = (c: ControlBase & { value?: string; rows?: number; maxLength?: number }): Html =>
  html`<div class="${fieldClass(c)}">
<label for="${c.id}">${labelText(c)}</label>${extras(c)}
<textarea id="${c.id}" name="${c.name ?? c.id}" rows="${c.rows ?? 6}" dir="auto"${c.maxLength ? html` maxlength="${c.maxLength}"` : ''}${aria(c)}>${c.value ?? ''}</textarea>
</div>`;

export const selectField = (c: ControlBase & { value?: string; options: readonly { value: string; label: string }[]; placeholder?: string }): Html =>
  html`<div class="${fieldClass(c)}">
<label for="${c.id}">${labelText(c)}</label>${extras(c)}
<select id="${c.id}" name="${c.name ?? c.id}"${aria(c)}>
${c.placeholder !== undefined ? html`<option value="">${c.placeholder}</option>` : ''}
${c.options.map((o) => html`<option value="${o.value}"${o.value === c.value ? html` selected` : ''}>${o.label}</option>`)}
</select>
</div>`;

export const fileField = (c: ControlBase & { multiple?: boolean; accept?: string }): Html =>
  html`<div class="${fieldClass(c)}">
<label for="${c.id}">${labelText(c)}</label>${extras(c)}
<input type="file" id="${c.id}" name="${c.name ?? c.id}"${c.multiple ? html` multiple` : ''}${c.accept ? html` accept="${c.accept}"` : ''}${aria(c)}>
</div>`;

/**
 * Radio buttons in a fieldset whose legend is the question (WCAG 1.3.1). The error summary links
 * to the first choice: its id is `${id}-0`.
 */
export const radioGroup = (c: ControlBase & { value?: string; options: readonly { value: string; label: string }[] }): Html =>
  html`<fieldset class="${fieldClass(c)}"${describedBy(c) ? html` aria-describedby="${describedBy(c)}"` : ''}>
<legend>${labelText(c)}</legend>${extras(c)}
${c.options.map(
  (o, i) => html`<div class="choice"><input type="radio" id="${c.id}-${i}" name="${c.name ?? c.id}" value="${o.value}"${o.value === c.value ? html` checked` : ''}${c.error ? html` aria-invalid="true"` : ''}><label for="${c.id}-${i}">${o.label}</label></div>`,
)}
</fieldset>`;

export const hiddenField = (name: string, value: string): Html => html`<input type="hidden" name="${name}" value="${value}">`;

export const submitButton = (label: string, options: { secondary?: boolean; name?: string; value?: string } = {}): Html =>
  html`<button type="submit"${options.secondary ? html` class="secondary"` : ''}${options.name ? html` name="${options.name}" value="${options.value ?? ''}"` : ''}>${label}</button>`;

/** A POST form with its CSRF token; `multipart` for file uploads. */
export const postForm = (options: { action: string; csrfToken: string; multipart?: boolean; label?: string }, ...content: HtmlValue[]): Html =>
  html`<form method="post" action="${options.action}" novalidate${options.multipart ? html` enctype="multipart/form-data"` : ''}${options.label ? html` aria-label="${options.label}"` : ''}>
${hiddenField(CSRF_FIELD, options.csrfToken)}
${content}
</form>`;
