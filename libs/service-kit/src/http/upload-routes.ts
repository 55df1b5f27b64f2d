import type { FastifyRequest } from 'fastify';

/**
 * The routes that take files (P8, issue #9): a multipart/form-data body there may be as large as
 * TSS_UPLOAD_BODY_LIMIT_BYTES (ATTACHMENT_MAX_MESSAGE_BYTES plus the form's own bytes); any other
 * body, there or elsewhere, keeps TSS_BODY_LIMIT_BYTES. Both modes read this one list: the
 * gateway's forwarding (services mode), the edge of the one app (single process), and every
 * server's request deadline (an upload has TSS_UPLOAD_TIMEOUT_MS to arrive, request-deadline.ts).
 */
export const UPLOAD_ROUTES: readonly string[] = ['/v1/tickets/:id/attachments', '/v1/tickets/:id/messages'];

/** The support site's reply form (issue #13): the gateway reads it itself and passes the files to intake. */
export const SITE_UPLOAD_ROUTES: readonly string[] = ['/support/t/*'];

/** The only method that uploads. */
export const UPLOAD_METHOD = 'POST';

const MULTIPART_FORM = /^multipart\/form-data\s*(;|$)/i;

/** A body declared as multipart/form-data: the one media type the upload routes take files in. */
export const isMultipartForm = (request: FastifyRequest): boolean => MULTIPART_FORM.test(request.headers['content-type'] ?? '');

/** An upload: a multipart/form-data POST to one of UPLOAD_ROUTES (matched by the route's pattern, not the path). */
export const isUpload = (request: FastifyRequest): boolean =>
  request.method === UPLOAD_METHOD &&
  (UPLOAD_ROUTES.includes(request.routeOptions.url ?? '') || SITE_UPLOAD_ROUTES.includes(request.routeOptions.url ?? '')) &&
  isMultipartForm(request);
