import pino, { type Logger, type LoggerOptions } from 'pino';
import { serializeError } from './error-serializer';
import { activeTraceId } from './tracing';

/** Paths never written to logs (P9 and the security standard: secrets never in logs). */
export const REDACTED_PATHS = [
  // A request's headers wherever a line carries them: fastify's `req`, a bare `headers`, and one
  // level down (@fastify/multipart logs busboy's options, the request's headers in them, at trace).
  ...['req.headers', 'headers', '*.headers'].flatMap((at) => [`${at}.authorization`, `${at}.cookie`, `${at}["x-tss-inbound-secret"]`]),
  'password',
  '*.password',
  'secret',
  '*.secret',
  'client_secret',
  '*.client_secret',
  'clientSecret',
  '*.clientSecret',
  'access_token',
  '*.access_token',
  'token',
  '*.token',
  'credentials',
  '*.credentials',
];

export const loggerOptions = (service: string, level: string): LoggerOptions => ({
  name: service,
  level,
  redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  // A failed statement's error carries its parameters (docs/adr/0007, addendum of 2026-12-04, second session).
  serializers: { err: serializeError },
  // Every line inside a traced operation carries its trace id, so logs and traces join up.
  // (Request loggers already carry it as a binding: see create-app.ts.)
  mixin: (_merge, _level, logger) => {
    const traceId = activeTraceId();
    return traceId && !('trace_id' in logger.bindings()) ? { trace_id: traceId } : {};
  },
});

export const createLogger = (service: string, level = 'info', destination?: pino.DestinationStream): Logger =>
  destination ? pino(loggerOptions(service, level), destination) : pino(loggerOptions(service, level));

export type { Logger };
