import type { FastifyInstance } from 'fastify';
import { isStorableText } from '@tss/contracts';

/**
 * Why a posted field is not taken: `unreadable` when its bytes or escapes are not UTF-8, it holds
 * text no store keeps (NUL), or it came more than once; `too_long` when the form was cut off at
 * its size limit inside it.
 */
export type FormFieldProblem = 'unreadable' | 'too_long';

/**
 * A posted form read strictly: each field's text exactly as typed, or a problem naming the field.
 * A class, so a route tells a form its parser read from a JSON body of the same shape.
 */
export class PostedForm {
  constructor(
    /** The fields read whole and well, by name. */
    readonly fields: Readonly<Record<string, string>>,
    /** The fields that were not taken, by name; a page shows each as that field's error. */
    readonly problems: Readonly<Record<string, FormFieldProblem>>,
  ) {}

  /** What a page reads when nothing it could take was sent. */
  static empty(): PostedForm {
    return new PostedForm({}, {});
  }
}

const decodeComponent = (bytes: Buffer): string | undefined => {
  try {
    // decodeURIComponent refuses a broken escape and escaped bytes that are not UTF-8 (an
    // overlong form, a surrogate); the fatal decoder refuses raw bytes that are not.
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
};

/**
 * An `application/x-www-form-urlencoded` body (WHATWG URL, "urlencoded parsing"), strictly:
 * where the standard decodes bad bytes and escapes to U+FFFD or leaves them as they are, the field
 * is `unreadable` (DESIGN "Edge input": never a silent replacement). `cut` says the body went on
 * past these bytes: its last field is `too_long` and nothing after it was read.
 */
export const readUrlencodedForm = (body: Buffer, cut = false): PostedForm => {
  const fields: Record<string, string> = Object.create(null) as Record<string, string>;
  const problems: Record<string, FormFieldProblem> = Object.create(null) as Record<string, FormFieldProblem>;
  const pairs: Buffer[] = [];
  for (let start = 0; start <= body.length; ) {
    const end = body.indexOf(0x26 /* & */, start);
    pairs.push(body.subarray(start, end < 0 ? body.length : end));
    if (end < 0) break;
    start = end + 1;
  }
  pairs.forEach((pair, index) => {
    if (pair.length === 0) return;
    const equals = pair.indexOf(0x3d /* = */);
    const name = decodeComponent(equals < 0 ? pair : pair.subarray(0, equals));
    // A name that cannot be read names no field the page knows.
    if (name === undefined) return;
    if (cut && index === pairs.length - 1) {
      // Cut inside its name, the field cannot be named either.
      if (equals >= 0) problems[name] = 'too_long';
      delete fields[name];
      return;
    }
    const value = decodeComponent(equals < 0 ? Buffer.alloc(0) : pair.subarray(equals + 1));
    if (problems[name] !== undefined) return;
    if (value === undefined || !isStorableText(value) || fields[name] !== undefined) {
      problems[name] = 'unreadable';
      delete fields[name];
      return;
    }
    fields[name] = value;
  });
  return new PostedForm(fields, problems);
};

/**
 * Parses the scope's urlencoded forms with `readUrlencodedForm` (in place of @fastify/formbody):
 * the body becomes a PostedForm, so a bad field is the form's error on its page, never a
 * problem+json. Past `maxBytes` the form is cut (its last field `too_long`) and the rest of the
 * body is read and dropped, so the connection stays usable. Idempotent per scope.
 */
export const installFormBody = (app: FastifyInstance, options: { maxBytes: number }): void => {
  // Pages take forms only: JSON is a 415 as any other body that is not a form (docs/support-site.md,
  // docs/rating.md), never read as an empty form and refused as a forged one. The scope is the
  // pages' own plugin (fastify encapsulation): the API's JSON routes keep their parser.
  if (app.hasContentTypeParser('application/json')) app.removeContentTypeParser('application/json');
  if (app.hasContentTypeParser('application/x-www-form-urlencoded')) return;
  app.addContentTypeParser('application/x-www-form-urlencoded', (_request, payload, done) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let finished = false;
    const finish = (form: PostedForm) => {
      if (finished) return;
      finished = true;
      done(null, form);
    };
    payload.on('data', (chunk: Buffer) => {
      if (finished) return;
      if (bytes + chunk.length > options.maxBytes) {
        chunks.push(chunk.subarray(0, options.maxBytes - bytes));
        finish(readUrlencodedForm(Buffer.concat(chunks), true));
        return;
      }
      bytes += chunk.length;
      chunks.push(chunk);
    });
    payload.on('end', () => finish(readUrlencodedForm(Buffer.concat(chunks))));
    payload.on('error', (error) => {
      if (finished) return;
      finished = true;
      done(error, undefined);
    });
  });
};
