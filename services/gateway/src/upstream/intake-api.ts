import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';

/**
 * The support site reads and writes tickets through intake's public API, as the requester or the
 * partner (docs/adr/0037): ticket state stays intake's alone, and the site gets the same rules,
 * limits and tenancy as any API client. One port, two adapters: HTTP to intake's URL (services
 * mode), or the app both live in (single process).
 */
export interface IntakeRequest {
  method: 'GET' | 'POST';
  /** Path and query, e.g. `/v1/tickets/<id>/thread`. */
  path: string;
  /** The bearer token to act with. */
  token: string;
  json?: unknown;
  /** A multipart/form-data body (a reply with files). */
  form?: FormData;
  idempotencyKey?: string;
}

export interface IntakeResponse {
  status: number;
  headers: Readonly<Record<string, string>>;
  body: Buffer;
}

export interface IntakeApi {
  call(request: IntakeRequest): Promise<IntakeResponse>;
}

/** The body and headers of a request, ready for either adapter. */
const encode = async (request: IntakeRequest): Promise<{ headers: Record<string, string>; body?: Buffer }> => {
  const headers: Record<string, string> = { authorization: `Bearer ${request.token}`, accept: 'application/json' };
  if (request.idempotencyKey) headers['idempotency-key'] = request.idempotencyKey;
  if (request.form) {
    // The platform's own multipart encoder: a boundary, each part's headers, the files' bytes.
    const encoded = new Response(request.form);
    headers['content-type'] = encoded.headers.get('content-type') ?? 'multipart/form-data';
    return { headers, body: Buffer.from(await encoded.arrayBuffer()) };
  }
  if (request.json !== undefined) {
    headers['content-type'] = 'application/json';
    return { headers, body: Buffer.from(JSON.stringify(request.json)) };
  }
  return { headers };
};

/**
 * Intake down (the connection refused or reset: 503) or not answering within the call's deadline
 * (504): an infrastructure failure, thrown; its `statusCode` is what the page answers (the site's
 * "temporarily unavailable" page, logged at warn, not a fault). The message names no token.
 */
export class IntakeUnavailable extends Error {
  constructor(
    readonly statusCode: 503 | 504,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'IntakeUnavailable';
  }
}

/** By name, not `instanceof`: fetch's errors (a DOMException, its TypeError) may come from another realm (a test's VM context). */
const nameOf = (error: unknown): string | undefined => (typeof error === 'object' && error !== null && 'name' in error && typeof error.name === 'string' ? error.name : undefined);

const viaFetch = async (baseUrl: string, request: IntakeRequest, timeoutMs: number): Promise<IntakeResponse> => {
  const { headers, body } = await encode(request);
  try {
    const response = await fetch(`${baseUrl.replace(/\/$/, '')}${request.path}`, { method: request.method, headers, body, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    return { status: response.status, headers: Object.fromEntries(response.headers), body: Buffer.from(await response.arrayBuffer()) };
  } catch (error) {
    // The deadline can also fall while the answer's body is arriving: the same no-answer-in-time.
    const name = nameOf(error);
    if (name === 'TimeoutError' || name === 'AbortError') throw new IntakeUnavailable(504, `intake did not answer ${request.method} within ${timeoutMs} ms`, { cause: error });
    // fetch's own failure (`TypeError: fetch failed`, ECONNREFUSED or a reset as its cause) is intake unreachable.
    if (name === 'TypeError') throw new IntakeUnavailable(503, `intake is unavailable (${String((error as { cause?: { code?: unknown } }).cause?.code ?? 'fetch failed')})`, { cause: error });
    throw error;
  }
};

/** Services mode: intake's base URL (TSS_INTAKE_URL), with a deadline per call. */
export const httpIntake = (baseUrl: string, timeoutMs: number): IntakeApi => ({ call: (request) => viaFetch(baseUrl, request, timeoutMs) });

/**
 * Single process: intake's routes are in this same app. Once the app listens, over its own
 * loopback address (the request meets the edge like any other); before, through fastify's
 * `inject` (no socket at all).
 */
export const sameAppIntake = (app: FastifyInstance, timeoutMs: number): IntakeApi => ({
  call: async (request) => {
    const address = app.server.listening ? (app.server.address() as AddressInfo | string | null) : null;
    if (address && typeof address === 'object') {
      const host = address.address === '::' || address.address === '0.0.0.0' ? '127.0.0.1' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
      return viaFetch(`http://${host}:${address.port}`, request, timeoutMs);
    }
    const { headers, body } = await encode(request);
    const response = await app.inject({ method: request.method, url: request.path, headers, ...(body ? { payload: body } : {}) });
    return {
      status: response.statusCode,
      headers: Object.fromEntries(Object.entries(response.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : String(value ?? '')])),
      body: response.rawPayload,
    };
  },
});

/** A JSON answer's body. */
export const jsonOf = <T>(response: IntakeResponse): T => JSON.parse(response.body.toString('utf8')) as T;

/** A problem+json answer's members (RFC 9457), or none when the body is not a JSON object. */
export const problemOf = (response: IntakeResponse): Readonly<Record<string, unknown>> => {
  try {
    const problem: unknown = jsonOf<unknown>(response);
    return typeof problem === 'object' && problem !== null && !Array.isArray(problem) ? (problem as Record<string, unknown>) : {};
  } catch {
    return {};
  }
};

/** The `detail` of a problem+json answer (RFC 9457), for a form's error; undefined when there is none. */
export const problemDetailOf = (response: IntakeResponse): string | undefined => {
  const problem = problemOf(response);
  return typeof problem.detail === 'string' ? problem.detail : typeof problem.title === 'string' ? problem.title : undefined;
};
