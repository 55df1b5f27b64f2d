// The benchmarks' ticket, and the intake and memory benchmarks' load: autocannon POSTing it, from this process.
import autocannon from 'autocannon';

/** The ticket the benchmarks file (the ack benchmark adds a requester to it). */
export const TICKET_FIELDS = {
  product: 'reader',
  productVersion: '4.2.1',
  subject: 'Reader crashes on opening EPUB',
  description: 'The reader closes when opening any EPUB from the library.',
  browser: 'Firefox 133',
  operatingSystem: 'Windows',
  operatingSystemVersion: '11',
};

export const TICKET = JSON.stringify(TICKET_FIELDS);

export interface LoadFigures {
  requestsPerSecond: number;
  ok: number;
  non2xx: number;
  errors: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
}

/**
 * `TICKET` POSTed to `url` over `connections` for `durationS`. Without `overallRate`, as many
 * requests as the server answers; with it, that many a second from all connections together, and
 * autocannon corrects the latencies for coordinated omission (a request that could not be sent on
 * time counts from when it was due).
 */
export const postTickets = async (
  url: string,
  headers: Record<string, string>,
  options: { connections: number; durationS: number; overallRate?: number },
): Promise<LoadFigures> => {
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: TICKET,
    connections: options.connections,
    duration: options.durationS,
    ...(options.overallRate ? { overallRate: options.overallRate } : {}),
  });
  return {
    requestsPerSecond: Math.round(result.requests.average),
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
  };
};
