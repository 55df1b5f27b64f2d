/**
 * RFC 8601 Authentication-Results, as the receiving MTA in front of TSS wrote them. Only that MTA's
 * verdict counts: its authserv-id is configured (MAIL_INBOUND_TRUSTED_AUTHSERV_ID) and it must
 * remove or rename any header with that id a sender wrote (RFC 8601 §5); a header naming another
 * id is anyone's and is ignored. The MTA adds its header on top, so the first one is read.
 */

/** The authserv-id and the `method=result` pairs of one header value (comments and properties dropped). */
export const parseAuthenticationResults = (value: string): { authservId: string; results: ReadonlyMap<string, string> } => {
  const uncommented = value.replace(/\([^()]*\)/g, ' ');
  const [head, ...statements] = uncommented.split(';');
  const authservId = head.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  const results = new Map<string, string>();
  for (const statement of statements) {
    const match = /^\s*([a-z0-9_-]+)(?:\/[0-9]+)?\s*=\s*([a-z]+)/i.exec(statement);
    if (match && !results.has(match[1].toLowerCase())) results.set(match[1].toLowerCase(), match[2].toLowerCase());
  }
  return { authservId, results };
};

/**
 * Why the mail's From is not to be believed, or undefined. With no trusted authserv-id configured,
 * or no header from it, nothing is judged (authorship follows From, docs/adr/0035). Its verdict
 * refuses the mail when DMARC failed, or, where DMARC was not evaluated, when SPF failed and no
 * DKIM signature passed: someone wrote another's address in From.
 */
export const forgedSenderReason = (headers: ReadonlyMap<string, string>, trustedAuthservId: string | undefined): string | undefined => {
  if (!trustedAuthservId) return undefined;
  const value = headers.get('authentication-results');
  if (!value) return undefined;
  const { authservId, results } = parseAuthenticationResults(value);
  if (authservId !== trustedAuthservId.toLowerCase()) return undefined;
  const dmarc = results.get('dmarc');
  if (dmarc === 'fail') return `the receiving server (${authservId}) found DMARC failed for the From address: a forged sender`;
  if (dmarc === undefined && results.get('spf') === 'fail' && results.get('dkim') !== 'pass') {
    return `the receiving server (${authservId}) found SPF failed and no DKIM signature passed: a forged sender`;
  }
  return undefined;
};
