import { Type, type Static, type TObject, type TProperties, type TSchema } from '@sinclair/typebox';
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
  METRICS_PORT: Type.Optional(
    Type.Integer({ minimum: 0, maximum: 65535, description: 'Prometheus /metrics port; default PORT + 1000 (docs/adr/0015); 0 picks a free one' }),
  ),
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ minimum: 0, maximum: 3_600_000, default: 10_000, description: 'How long a stopping process drains before it exits 1; at most an hour' }),
  OTEL_EXPORTER_OTLP_ENDPOINT: Type.Optional(Type.String({ pattern: '^https?://' })),
};

/** Who issues the access tokens every service verifies: one declaration, shared by every process. */
export const TokenEnv = {
  TSS_JWT_ISSUER: Type.String({ default: 'tss' }),
  TSS_JWT_AUDIENCE: Type.String({ default: 'tss-api' }),
};

/** The metrics port when METRICS_PORT is unset: PORT + 1000, so processes with distinct PORTs never collide (docs/adr/0015). */
export const METRICS_PORT_OFFSET = 1000;
export const metricsPortFor = (config: { PORT: number; METRICS_PORT?: number }): number =>
  config.METRICS_PORT ?? (config.PORT === 0 || config.PORT + METRICS_PORT_OFFSET > 65535 ? 0 : config.PORT + METRICS_PORT_OFFSET);

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * A setting that is well formed but refused by what it meets at start: a master key that does not
 * open what is sealed under its id (docs/adr/0014, addendum of 2026-12-05, seventh session). An
 * operator's to fix like any bad setting (exit 78), each problem one line that names its setting.
 */
export class SettingRefused extends ConfigError {
  constructor(problems: readonly string[]) {
    super(problems);
    this.name = 'SettingRefused';
    this.message = problems.join('\n');
  }
}

export const envSchema = <P extends TProperties>(properties: P): TObject<P> => Type.Object(properties);

/**
 * One schema from several (the process's own and each hosted service's). A variable may appear in
 * several parts only as the same declaration (shared settings such as TokenEnv): two different
 * declarations of one name are a bug, refused at start.
 */
export const mergeEnvSchemas = <A extends TProperties, B extends TProperties>(
  first: TObject<A>,
  second: TObject<B>,
  /** Parts read by others (hosted modules read their own): validated here, not typed in the result. */
  ...others: readonly TObject[]
): TObject<A & B> => {
  const parts = [first, second, ...others];
  const properties: TProperties = {};
  for (const part of parts) {
    for (const [name, schema] of Object.entries(part.properties)) {
      if (properties[name] && properties[name] !== schema) throw new Error(`${name} is declared twice, differently: declare a shared setting once and spread it`);
      properties[name] = schema;
    }
  }
  return Type.Object(properties) as TObject<A & B>;
};

/** The values a union of literals takes (LOG_LEVEL, PG_PREPARED_STATEMENTS), to name them where typebox says "Expected union value". */
const literalsOf = (schema: TSchema | undefined): unknown[] | undefined => {
  const branches: unknown = schema?.anyOf;
  if (!Array.isArray(branches) || branches.length === 0) return undefined;
  const values: unknown[] = [];
  for (const branch of branches as unknown[]) {
    if (typeof branch !== 'object' || branch === null || !('const' in branch)) return undefined;
    values.push(branch.const);
  }
  return values;
};

/** A number as written in the environment: decimal, with an optional exponent (Helm renders 1000000 as 1e+06). */
const DECIMAL_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const NUMERIC_TYPES = new Set(['integer', 'number']);

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
  const converted = Value.Convert(schema, withDefaults) as Record<string, unknown>;
  // typebox converts loosely ("2.5" to the integer 2, "1e+06" to 1, "0x10" to the number 0): a
  // numeric setting is read as the decimal number it spells, checked as such (2.5 is no integer),
  // and anything else keeps its text, refused.
  for (const key of known) {
    const raw = env[key];
    if (raw === undefined || raw === '' || !NUMERIC_TYPES.has(String(schema.properties[key]?.type))) continue;
    converted[key] = DECIMAL_NUMBER.test(raw.trim()) ? Number(raw.trim()) : raw;
  }
  const problemsByName = new Map<string, string>();
  for (const e of Value.Errors(schema, converted)) {
    const name = e.path.replace(/^\//, '').split('/')[0] || '(root)';
    if (problemsByName.has(name)) continue; // one line per variable: its first problem
    const value = converted[name];
    const accepted = literalsOf(schema.properties[name]);
    const why = accepted ? `Expected one of ${accepted.map((v) => JSON.stringify(v)).join(', ')}` : e.message;
    problemsByName.set(name, value === undefined ? `${name} is required` : `${name}=${JSON.stringify(redactIfSecret(name, value, schema.properties[name]))}: ${why}`);
  }
  const problems = [...problemsByName.values()];
  if (problems.length > 0) throw new ConfigError(problems);
  return converted as Static<S>;
};

const SECRET_NAME = /SECRET|PASSWORD|KEY|TOKEN|DATABASE_URL/i;
const URL_CREDENTIALS = /(\w+:\/\/[^/:@\s]*:)[^@\s]*@/g;
/** Secrets are text: a number, a duration or a switch whose name says KEY (`TSS_SIGNING_KEY_MAX_AGE_HOURS`) is shown as given. */
const NOT_SECRET_TYPES = new Set(['integer', 'number', 'boolean']);
const redactIfSecret = (name: string, value: unknown, declared: unknown): unknown => {
  const type = (declared as { type?: unknown } | undefined)?.type;
  if (SECRET_NAME.test(name) && !(typeof type === 'string' && NOT_SECRET_TYPES.has(type))) return '[redacted]';
  return typeof value === 'string' ? value.replace(URL_CREDENTIALS, '$1[redacted]@') : value;
};
