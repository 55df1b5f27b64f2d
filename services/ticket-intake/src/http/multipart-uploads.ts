import type { FastifyInstance, FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import { err, isTextPart, multipartFileNameOf, ok, readTextPart, STREAM_EVERY_PART, type Failure, type Result } from '@tss/service-kit';
import { fileTooLarge, messageTooLarge, quotedFileName, sizeLimitBroken, tooManyFiles, type UploadLimits } from '../domain/attachment-content';
import type { Upload } from '../use-cases/store-attachments';

/** What a multipart/form-data request carried: its files (in order) and its text fields (a repeatable one as an array, in order). */
export interface MultipartUploads {
  files: Upload[];
  fields: Record<string, string | string[]>;
}

export interface ReadUploadsOptions {
  /** The form field the files come in (default `file`); a file under any other name is a 400. */
  fileField?: string;
  /** Text fields the route takes (default none); any other is a 400, and so is one sent twice. */
  fields?: readonly string[];
  /** Text fields the route takes once per value (default none): read as an array, in order, even of one. */
  repeatable?: readonly string[];
  /** Whether a request with no file is acceptable (default false: a 400). */
  allowNoFiles?: boolean;
}

// Text fields a route may take next to its files (a message's body and the attachment ids it
// names, up to 20): bounded apart from the files.
const MAX_FIELD_BYTES = 100_000;
const MAX_FIELDS = 30;

const codeOf = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;

/**
 * Registers @fastify/multipart in the calling plugin's scope only (encapsulated): the JSON routes of
 * the other parts keep their parsers. Call it at the top of a routes plugin that takes files.
 */
export const acceptMultipart = async (app: FastifyInstance, limits: UploadLimits): Promise<void> => {
  await app.register(multipart, {
    // One byte over each limit, so readUploads sees the excess and answers its own 413. Text fields
    // are streamed like files (STREAM_EVERY_PART), so busboy's file count includes them.
    limits: { fileSize: limits.maxFileBytes + 1, files: limits.maxFiles + MAX_FIELDS + 1, parts: limits.maxFiles + MAX_FIELDS + 1 },
    throwFileSizeLimit: false,
    ...STREAM_EVERY_PART,
  });
};

/** Stops reading a refused body: busboy lets go of it and what is left is read and dropped. */
const discardRest = (request: FastifyRequest): void => {
  request.raw.unpipe();
  request.raw.resume();
};

/**
 * Reads the files (and the allowed text fields) of a multipart/form-data request into memory,
 * enforcing the upload limits while the bytes arrive: a file over ATTACHMENT_MAX_FILE_BYTES, files
 * adding up to more than ATTACHMENT_MAX_MESSAGE_BYTES, or more than the most files is a 413 as soon
 * as it is seen, and the rest of the body is dropped unread. The route must sit in a scope where
 * `acceptMultipart` registered the parser. A body that is not multipart is a 415.
 *
 * The messages route uses it too (a message with its files in one request): `readUploads(request,
 * limits, { fields: ['body', 'visibility', 'channel'], repeatable: ['attachmentIds'], allowNoFiles: true })`
 * before validation, then, in the
 * handler (never reached by a retry the Idempotency-Key answers), `stageAttachments`, and the rows
 * recorded and linked in the message's transaction.
 */
export const readUploads = async (request: FastifyRequest, limits: UploadLimits, options: ReadUploadsOptions = {}): Promise<Result<MultipartUploads, Failure>> => {
  if (!request.isMultipart()) {
    return err({ kind: 'unsupported_media_type', detail: 'Send files as multipart/form-data, one "file" part per file.' });
  }
  const fileField = options.fileField ?? 'file';
  const repeatable = new Set(options.repeatable ?? []);
  const allowedFields = new Set([...(options.fields ?? []), ...repeatable]);
  const files: Upload[] = [];
  const fields: Record<string, string | string[]> = {};
  let totalBytes = 0;
  let failure: Failure | undefined;
  try {
    parts: for await (const part of request.parts()) {
      // Text fields arrive as streams too (STREAM_EVERY_PART): their bytes are decoded here, strictly.
      if (part.type === 'field' || isTextPart(part)) {
        const name = part.fieldname.slice(0, 100);
        if (part.type === 'field' || !allowedFields.has(part.fieldname)) {
          failure = { kind: 'bad_request', detail: `Unexpected form field "${name}".` };
          break;
        }
        if (Object.hasOwn(fields, part.fieldname) && !repeatable.has(part.fieldname)) {
          failure = { kind: 'bad_request', detail: `The form field "${name}" is sent more than once.` };
          break;
        }
        const text = await readTextPart(part.file, MAX_FIELD_BYTES);
        if (!text.ok) {
          failure =
            text.error === 'too_large'
              ? { kind: 'payload_too_large', detail: `The form field "${name}" is longer than ${MAX_FIELD_BYTES} bytes.` }
              : { kind: 'invalid_utf8', detail: `The form field "${name}" is not valid UTF-8.`, extensions: { errors: [{ in: 'body', pointer: `/${name}`, message: 'must be UTF-8' }] } };
          break;
        }
        const earlier = fields[part.fieldname];
        fields[part.fieldname] = repeatable.has(part.fieldname) ? [...(Array.isArray(earlier) ? earlier : []), text.value] : text.value;
        continue;
      }
      if (part.fieldname !== fileField) {
        failure = { kind: 'bad_request', detail: `Files go in form fields named "${fileField}", not "${part.fieldname.slice(0, 100)}".` };
        break;
      }
      if (files.length >= limits.maxFiles) {
        failure = tooManyFiles(limits);
        break;
      }
      // A browser's `%22`, `%0D`, `%0A` are the name's characters (WHATWG); sanitised when stored.
      // Typed a string, but busboy leaves it undefined for a binary part sent without a name.
      const fileName = multipartFileNameOf(part.filename as string | undefined);
      // A name is display only and cleaned when stored (docs/adr/0025), but text PostgreSQL cannot
      // store (NUL) or bytes that are not UTF-8 (busboy reads them as U+FFFD) are refused as every
      // other field's are (DESIGN "Edge input"), never silently replaced.
      const unreadable = fileName === undefined ? undefined : /\u0000/.test(fileName) ? 'validation' : /\uFFFD/.test(fileName) ? 'invalid_utf8' : undefined;
      if (unreadable !== undefined) {
        const pointer = `/${fileField}/${files.length}/filename`;
        failure = {
          kind: unreadable,
          detail: `The name of file ${files.length + 1} (${quotedFileName(fileName)}) holds ${unreadable === 'validation' ? 'a NUL character' : 'bytes that are not UTF-8'}; rename the file and send it again.`,
          extensions: { file: quotedFileName(fileName), errors: [{ in: 'body', pointer, message: unreadable === 'validation' ? 'must not contain NUL' : 'must be UTF-8' }] },
        };
        break;
      }
      const chunks: Buffer[] = [];
      let fileBytes = 0;
      for await (const chunk of part.file) {
        fileBytes += (chunk as Buffer).length;
        totalBytes += (chunk as Buffer).length;
        const broken = sizeLimitBroken(fileBytes, totalBytes, limits);
        if (broken) {
          failure = broken === 'file' ? fileTooLarge(quotedFileName(fileName), limits) : messageTooLarge(limits);
          break parts;
        }
        chunks.push(chunk as Buffer);
      }
      files.push({ fileName, bytes: Buffer.concat(chunks) });
    }
  } catch (error) {
    const code = codeOf(error);
    if (code === 'FST_FILES_LIMIT') failure = tooManyFiles(limits);
    else if (code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') failure = { kind: 'payload_too_large', detail: 'The form has too many parts.' };
    else if (code === 'FST_PROTO_VIOLATION') failure = { kind: 'bad_request', detail: 'A form field name is not allowed.' };
    // A body cut short or not well-formed (busboy's "Unexpected end of form", a missing boundary).
    else failure = { kind: 'bad_request', detail: 'The multipart/form-data body cannot be read.' };
  }
  if (failure) {
    discardRest(request);
    return err(failure);
  }
  if (files.length === 0 && !options.allowNoFiles) return err({ kind: 'bad_request', detail: `No file was sent: send each file as a "${fileField}" part.` });
  return ok({ files, fields });
};
