// Segments of lower-case letters, digits and dashes joined by `/`: what `blobKey` makes from
// server-side ids. Nothing else is accepted, so no key can climb out of a folder (`..`) or be
// read differently by a filesystem and by S3.
const BLOB_KEY = /^[a-z0-9][a-z0-9-]{0,127}(\/[a-z0-9][a-z0-9-]{0,127}){0,7}$/;

export const isBlobKey = (key: string): boolean => BLOB_KEY.test(key);

/** Throws for a key no server code should make: a bug, not a user error. */
export const assertBlobKey = (key: string): void => {
  if (!isBlobKey(key)) throw new Error(`not a blob key: ${JSON.stringify(key)}`);
};

/** A key from server-generated ids (uuids, names of our own), e.g. `attachments/<partner>/<ticket>/<id>`. */
export const blobKey = (...segments: string[]): string => {
  const key = segments.map((s) => s.toLowerCase()).join('/');
  assertBlobKey(key);
  return key;
};
