import { isStorableText, Products, type Product } from '@tss/contracts';
import { err, ok, type Result } from '@tss/service-kit';

/**
 * The support site's new-request form (P2, issue #13): product, version and description are
 * required; the other details are optional but asked for. Checked here so a bad form is shown
 * again with its problems and nothing is filed; intake checks everything once more.
 */
export const NEW_REQUEST_FIELDS = {
  product: { required: true, maxLength: 32 },
  productVersion: { required: true, maxLength: 64 },
  description: { required: true, maxLength: 20_000 },
  stepsToReproduce: { required: false, maxLength: 20_000 },
  browser: { required: false, maxLength: 200 },
  operatingSystem: { required: false, maxLength: 200 },
  operatingSystemVersion: { required: false, maxLength: 100 },
  connectivity: { required: false, maxLength: 2_000 },
  antivirus: { required: false, maxLength: 2_000 },
  email: { required: false, maxLength: 320 },
  name: { required: false, maxLength: 200 },
} as const;
export type NewRequestField = keyof typeof NEW_REQUEST_FIELDS;

export type NewRequestValues = Partial<Record<NewRequestField, string>>;

export type FieldProblem =
  | { field: NewRequestField; problem: 'missing' }
  | { field: NewRequestField; problem: 'too_long'; maxLength: number }
  | { field: NewRequestField; problem: 'invalid' }
  | { field: NewRequestField; problem: 'unreadable' };

/** Why the form's reader did not take a field: its text was not UTF-8, not storable or sent twice, or it was cut off at the form's size. */
export type PostedFieldProblems = Readonly<Record<string, 'unreadable' | 'too_long'>>;

/** What intake's `POST /v1/tickets` takes from the form (channel and language are the site's). */
export interface NewRequest {
  product: Product;
  productVersion: string;
  description: string;
  stepsToReproduce?: string;
  browser?: string;
  operatingSystem?: string;
  operatingSystemVersion?: string;
  connectivity?: string;
  antivirus?: string;
  requester?: { email?: string; name?: string };
}

// The shape HTML's own e-mail input accepts (WHATWG), which intake's `format: email` also takes.
const EMAIL = /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+$/;

const isProduct = (value: string): value is Product => (Products as readonly string[]).includes(value);

/** The form's values, trimmed; an empty field counts as not given. */
export const readNewRequestValues = (body: Readonly<Record<string, unknown>>): NewRequestValues =>
  Object.fromEntries(
    (Object.keys(NEW_REQUEST_FIELDS) as NewRequestField[]).flatMap((field) => {
      const value = body[field];
      return typeof value === 'string' && value.trim() !== '' ? [[field, value.trim()]] : [];
    }),
  );

/**
 * The request the form's values make, or every problem with them. `posted` are the fields the
 * form's reader did not take: each is that field's problem, whatever its value would have been.
 */
export const checkNewRequest = (values: NewRequestValues, posted: PostedFieldProblems = {}): Result<NewRequest, FieldProblem[]> => {
  const problems: FieldProblem[] = [];
  for (const [field, rule] of Object.entries(NEW_REQUEST_FIELDS) as [NewRequestField, { required: boolean; maxLength: number }][]) {
    const value = values[field];
    const postedProblem = Object.hasOwn(posted, field) ? posted[field] : undefined;
    if (postedProblem === 'too_long') problems.push({ field, problem: 'too_long', maxLength: rule.maxLength });
    else if (postedProblem === 'unreadable' || (value !== undefined && !isStorableText(value))) problems.push({ field, problem: 'unreadable' });
    else if (value === undefined) {
      if (rule.required) problems.push({ field, problem: 'missing' });
    } else if (value.length > rule.maxLength) problems.push({ field, problem: 'too_long', maxLength: rule.maxLength });
  }
  if (values.product !== undefined && !isProduct(values.product) && !problems.some((p) => p.field === 'product')) problems.push({ field: 'product', problem: 'invalid' });
  if (values.email !== undefined && values.email.length <= NEW_REQUEST_FIELDS.email.maxLength && !EMAIL.test(values.email)) problems.push({ field: 'email', problem: 'invalid' });
  const { product, productVersion, description, email, name, ...details } = values;
  if (problems.length > 0 || product === undefined || !isProduct(product) || productVersion === undefined || description === undefined) return err(problems);
  return ok({
    product,
    productVersion,
    description,
    ...details,
    ...(email || name ? { requester: { ...(email ? { email } : {}), ...(name ? { name } : {}) } } : {}),
  });
};
