import { Type, type Static, type TObject, type TProperties } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** Variables every service reads. Service configs extend this with their own. */
export const BaseEnv = {
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('production'), Type.Literal('test')], { default: 'development' }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  HOST: Type.String({ default: '127.0.0.1' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  METRICS_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 9464, description: 'Prometheus /metrics port; 0 picks a free one' }),
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ minimum: 0, default: 10_000 }),
  OTEL_EXPORTER_OTLP_ENDPOINT: Type.Optional(Type.String({ pattern: '^https?://' })),
};

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export const envSchema = <P extends TProperties>(properties: P): TObject<P> => Type.Object(properties);

/**
 * Reads the environment against one schema, applying defaults and converting strings to numbers
 * and booleans. Every bad or missing variable is reported at once, by name (STYLE.md: config is
 * validated at start).
 */
export const loadConfig = <S extends TObject>(schema: S, env: NodeJS.ProcessEnv = process.env): Static<S> => {
  const known = Object.keys(schema.properties);
  const picked: Record<string, unknown> = {};
  for (const key of known) {
    const raw = env[key];
    if (raw !== undefined && raw !== '') picked[key] = raw;
  }
  const withDefaults = Value.Default(schema, picked);
  const converted = Value.Convert(schema, withDefaults);
  const problemsByName = new Map<string, string>();
  for (const e of Value.Errors(schema, converted)) {
    const name = e.path.replace(/^\//, '').split('/')[0] || '(root)';
    if (problemsByName.has(name)) continue; // one line per variable: its first problem
    const value = (converted as Record<string, unknown>)[name];
    problemsByName.set(name, value === undefined ? `${name} is required` : `${name}=${JSON.stringify(redactIfSecret(name, value))}: ${e.message}`);
  }
  const problems = [...problemsByName.values()];
  if (problems.length > 0) throw new ConfigError(problems);
  return converted as Static<S>;
};

const SECRET_NAME = /SECRET|PASSWORD|KEY|TOKEN|DATABASE_URL/i;
const URL_CREDENTIALS = /(\w+:\/\/[^/:@\s]*:)[^@\s]*@/g;
const redactIfSecret = (name: string, value: unknown): unknown => {
  if (SECRET_NAME.test(name)) return '[redacted]';
  return typeof value === 'string' ? value.replace(URL_CREDENTIALS, '$1[redacted]@') : value;
};
