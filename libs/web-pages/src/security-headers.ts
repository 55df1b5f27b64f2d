/**
 * The pages' headers. The Content-Security-Policy allows nothing but same-origin styles, images and
 * form posts: no scripts at all, no inline styles, no framing (clickjacking), no <base> rewrites.
 * The link token is in the URL, so no page leaks it in a Referer or keeps it in a cache.
 */
export const contentSecurityPolicy = (): string =>
  [
    "default-src 'none'",
    "style-src 'self'",
    "img-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');

export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': contentSecurityPolicy(),
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};

/** Headers for every page (and every 4xx page) a site serves. */
export const pageHeaders = (): Record<string, string> => ({ ...PAGE_HEADERS });
