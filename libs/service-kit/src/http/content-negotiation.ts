import type { FastifyReply, FastifyRequest } from 'fastify';

// RFC 9110 §12.4.2: a weight is 0 to 1 with at most three decimals.
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

/** How specifically a media range names a type: `text/csv` 2, `text/*` 1, `*\/*` 0; -1 when it does not match. */
const specificity = (range: string, mediaType: string): number => {
  if (range === mediaType) return 2;
  if (range === `${mediaType.split('/')[0]}/*`) return 1;
  return range === '*/*' ? 0 : -1;
};

/**
 * RFC 9110 §12.5.1 proactive negotiation among the media types a route can send, in the route's
 * order of preference. Each type weighs what the most specific range matching it says (§12.5.1:
 * `text/csv;q=0` refuses CSV however `*\/*` weighs), and a weight of 0 means "not acceptable"
 * (§12.4.2). The acceptable type weighed highest wins; a tie goes to the earlier type. When none is
 * acceptable the first type is sent: §12.5.1 lets a server disregard Accept rather than answer 406,
 * and a report in JSON is more use to a client than an error. A range whose weight is not a valid
 * qvalue is ignored; so is a header that is absent or empty (any type is acceptable).
 */
export const preferredMediaType = <T extends string>(accept: string | undefined, offered: readonly [T, ...T[]]): T => {
  const ranges = (accept ?? '')
    .split(',')
    .map((part) => {
      const [range = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
      const q = params.find((p) => p.startsWith('q='))?.slice(2) ?? '1';
      return QVALUE.test(q) ? { range, q: Number(q) } : undefined;
    })
    .filter((r): r is { range: string; q: number } => r !== undefined && r.range !== '');
  if (ranges.length === 0) return offered[0];
  const weightOf = (mediaType: string): number => {
    let best = { specificity: -1, q: 0 };
    for (const { range, q } of ranges) {
      const s = specificity(range, mediaType);
      // The most specific range decides; of equally specific ones (a repeated range), the heaviest.
      if (s >= 0 && (s > best.specificity || (s === best.specificity && q > best.q))) best = { specificity: s, q };
    }
    return best.q;
  };
  let chosen = offered[0];
  let chosenWeight = 0;
  for (const mediaType of offered) {
    const weight = weightOf(mediaType);
    if (weight > chosenWeight) [chosen, chosenWeight] = [mediaType, weight];
  }
  return chosen;
};

/** Adds a field to the response's `Vary` (RFC 9110 §12.5.5), keeping what others put there (CORS's `Origin`). */
export const addVary = (reply: FastifyReply, field: string): void => {
  const current = reply.getHeader('vary');
  const fields = (Array.isArray(current) ? current.join(',') : String(current ?? ''))
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '');
  if (fields.some((f) => f === '*' || f.toLowerCase() === field.toLowerCase())) return;
  reply.header('vary', [...fields, field].join(', '));
};

/**
 * The media type to answer a request in (`preferredMediaType` over its Accept), marking the answer
 * as chosen by Accept (`Vary: Accept`) so that caches keep the forms apart.
 */
export const negotiateMediaType = <T extends string>(request: FastifyRequest, reply: FastifyReply, offered: readonly [T, ...T[]]): T => {
  addVary(reply, 'Accept');
  return preferredMediaType(request.headers.accept, offered);
};
