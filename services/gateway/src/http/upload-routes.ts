// The upload routes are one list for every HTTP server (service-kit): the edge's limits, the
// forwarding, and the request deadline each service applies (docs/adr/0063, sixth session).
export { isMultipartForm, isUpload, SITE_UPLOAD_ROUTES, UPLOAD_METHOD, UPLOAD_ROUTES } from '@tss/service-kit';
