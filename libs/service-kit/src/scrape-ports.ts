import type { IncomingMessage } from 'node:http';

/** The local ports this process serves Prometheus scrapes on (METRICS_PORT), while they listen. */
const scrapePorts = new Set<number>();

export const addScrapePort = (port: number): void => void scrapePorts.add(port);
export const removeScrapePort = (port: number): void => void scrapePorts.delete(port);

/**
 * A request that came in on a scrape port. `/metrics` on the API port is not one: it is answered
 * 404 like any unknown path, and traced like one, so its log line carries a real trace id.
 */
export const isScrapeRequest = (request: IncomingMessage): boolean => scrapePorts.has(request.socket.localPort ?? -1);
