import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { API_DESCRIPTION, type Clock, type OpenApiDocument } from '@tss/service-kit';
import { serviceForPath } from '@tss/contracts';
import { describeConflict, mergeOpenApiDocuments, type ServiceDocument } from '../domain/merge-openapi';
import type { ServiceUrls } from './forwarding';

export interface MergedApiDocsOptions {
  clock: Clock;
  /** How long a merged document is served before the services are asked again. */
  refreshMs?: number;
  /** How soon a service that did not answer is asked again. */
  retryMs?: number;
  /** How long one service may take to answer with its document. */
  fetchTimeoutMs?: number;
}

const API_INFO = { title: 'TSS API', description: API_DESCRIPTION };

type Upstream = { document?: OpenApiDocument; checkedAtMs: number; answered: boolean };

const isOpenApiDocument = (value: unknown): value is OpenApiDocument =>
  typeof value === 'object' && value !== null && 'openapi' in value && typeof value.openapi === 'string' && 'info' in value && typeof value.info === 'object';

const fetchDocument = async (baseUrl: string, timeoutMs: number): Promise<OpenApiDocument> => {
  const url = `${baseUrl.replace(/\/$/, '')}/openapi.json`;
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  const body: unknown = await response.json();
  if (!isOpenApiDocument(body)) throw new Error(`${url} is not an OpenAPI document`);
  return body;
};

/**
 * Services mode: `/openapi.json`, `/openapi.yaml` and `/docs` on the gateway show one document
 * for the whole API, merged from the gateway's own and each service's `/openapi.json`. Documents
 * are fetched when asked for and kept for `refreshMs`; a service that does not answer keeps its
 * last document (or is listed under `x-tss-unavailable-services`) and is asked again after
 * `retryMs`, so a service started after the gateway appears without a restart.
 */
export const serveMergedApiDocs = (app: FastifyInstance, urls: ServiceUrls, options: MergedApiDocsOptions): void => {
  const { clock, refreshMs = 60_000, retryMs = 5_000, fetchTimeoutMs = 3_000 } = options;
  const log: FastifyBaseLogger = app.log.child({ component: 'merged-openapi' });
  const services = Object.keys(urls);
  const upstreams = new Map<string, Upstream>();
  let merged: OpenApiDocument | undefined;
  let refreshing: Promise<OpenApiDocument> | undefined;

  const isDue = (service: string, nowMs: number): boolean => {
    const upstream = upstreams.get(service);
    return !upstream || nowMs - upstream.checkedAtMs >= (upstream.answered ? refreshMs : retryMs);
  };

  const fetchInto = async (service: string, url: string): Promise<void> => {
    const previous = upstreams.get(service);
    try {
      const document = await fetchDocument(url, fetchTimeoutMs);
      upstreams.set(service, { document, checkedAtMs: clock.now().getTime(), answered: true });
    } catch (error) {
      log.warn({ err: error, service }, 'service did not answer with its OpenAPI document');
      upstreams.set(service, { document: previous?.document, checkedAtMs: clock.now().getTime(), answered: false });
    }
  };

  const refresh = async (due: readonly string[]): Promise<OpenApiDocument> => {
    await Promise.all(Object.entries(urls).flatMap(([service, url]) => (due.includes(service) ? [fetchInto(service, url)] : [])));
    const documents: ServiceDocument[] = services.flatMap((service) => {
      const document = upstreams.get(service)?.document;
      return document ? [{ service, document }] : [];
    });
    const own = app.apiDocs.ownDocument();
    const result = mergeOpenApiDocuments(own, documents, { info: { ...API_INFO, version: own.info.version }, routeOf: serviceForPath });
    if (!result.ok) {
      // A bug in a service's schemas, not an outage: fail loudly rather than document the wrong API.
      merged = undefined;
      throw new Error(`OpenAPI documents conflict: ${result.error.map(describeConflict).join('; ')}`);
    }
    for (const { service, path } of result.value.unrouted) log.warn({ service, path }, 'documented path is not routed to its service by the gateway');
    const unavailable = services.filter((s) => !upstreams.get(s)?.document);
    merged = unavailable.length > 0 ? { ...result.value.document, 'x-tss-unavailable-services': unavailable } : result.value.document;
    return merged;
  };

  app.apiDocs.serveDocument(async () => {
    const nowMs = clock.now().getTime();
    const due = services.filter((s) => isDue(s, nowMs));
    if (merged && due.length === 0) return merged;
    refreshing ??= refresh(due).finally(() => {
      refreshing = undefined;
    });
    return refreshing;
  });
};
