import type { IncomingMessage } from 'node:http';
import type { Span } from '@opentelemetry/api';

/**
 * The HTTP instrumentation's server span of each incoming request, so the fastify hooks reuse it
 * (name it after the route, label the service) instead of opening a second server span.
 */
const serverSpans = new WeakMap<IncomingMessage, Span>();

export const rememberServerSpan = (request: IncomingMessage, span: Span): void => {
  serverSpans.set(request, span);
};

export const instrumentedServerSpan = (request: IncomingMessage): Span | undefined => serverSpans.get(request);
