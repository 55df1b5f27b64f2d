import { Type } from '@sinclair/typebox';
import { BaseEnv, ConfigError, envSchema, loadConfig, mergeEnvSchemas, metricsPortFor, TokenEnv } from '../src/config';

const Schema = envSchema({
  ...BaseEnv,
  DATABASE_URL: Type.String({ pattern: '^postgres(ql)?://' }),
  KAFKA_BROKERS: Type.String({ minLength: 1 }),
  MIGRATE_ON_START: Type.Boolean({ default: false }),
});

describe('configuration from the environment', () => {
  it('applies defaults and converts numbers and booleans', () => {
    const config = loadConfig(Schema, { DATABASE_URL: 'postgres://h/db', KAFKA_BROKERS: 'k:9092', PORT: '9000', MIGRATE_ON_START: 'true' });
    expect(config).toMatchObject({ PORT: 9000, MIGRATE_ON_START: true, HOST: '127.0.0.1', LOG_LEVEL: 'info' });
  });

  it('names every missing or bad variable at once, without echoing secrets', () => {
    let error: unknown;
    try {
      loadConfig(envSchema({ ...Schema.properties, REDIS_URL: Type.String({ pattern: '^rediss?://' }) }), {
        DATABASE_URL: 'mysql://user:hunter2@h/db',
        REDIS_URL: 'http://default:s3cret-pw@cache:6379',
        PORT: 'eighty',
        LOG_LEVEL: 'loud',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/^KAFKA_BROKERS is required/m);
    expect(problems).toMatch(/^PORT="eighty"/m);
    expect(problems).toMatch(/^LOG_LEVEL="loud": Expected one of "fatal", "error", "warn", "info", "debug", "trace", "silent"$/m);
    expect(problems).toMatch(/^DATABASE_URL="\[redacted\]"/m);
    expect(problems).not.toContain('hunter2');
    expect(problems).toMatch(/^REDIS_URL="http:\/\/default:\[redacted\]@cache:6379"/m);
    expect(problems).not.toContain('s3cret-pw');
  });

  // A re-test (2026-12-05, fifth session): a bounded duration named …_KEY_… was shown as "[redacted]".
  it('a number or a switch whose name says KEY is shown as given; a text one stays redacted', () => {
    const Keys = envSchema({
      TSS_SIGNING_KEY_MAX_AGE_HOURS: Type.Integer({ minimum: 1, maximum: 8_760, default: 720 }),
      TSS_SIGNING_KEY_ROTATE: Type.Boolean({ default: false }),
      TSS_API_KEY: Type.String({ minLength: 16 }),
    });
    expect(() => loadConfig(Keys, { TSS_SIGNING_KEY_MAX_AGE_HOURS: '8761', TSS_SIGNING_KEY_ROTATE: 'maybe', TSS_API_KEY: 'short-secret' })).toThrow(
      new ConfigError([
        'TSS_SIGNING_KEY_MAX_AGE_HOURS=8761: Expected integer to be less or equal to 8760',
        'TSS_SIGNING_KEY_ROTATE="maybe": Expected boolean',
        'TSS_API_KEY="[redacted]": Expected string length greater or equal to 16',
      ]),
    );
  });

  it('a number is read as the decimal it spells: "2.5" is no integer (not 2), "1e+06" is a million (not 1), "0x10" and blanks are refused', () => {
    const Numbers = envSchema({ COUNT: Type.Integer({ minimum: 1, default: 5 }), DAYS: Type.Number({ exclusiveMinimum: 0, default: 7 }) });
    expect(loadConfig(Numbers, { COUNT: '12', DAYS: '1.5' })).toEqual({ COUNT: 12, DAYS: 1.5 });
    expect(loadConfig(Numbers, { COUNT: '1e+06', DAYS: '.25' })).toEqual({ COUNT: 1_000_000, DAYS: 0.25 });
    expect(loadConfig(Numbers, { COUNT: ' +3 ' })).toEqual({ COUNT: 3, DAYS: 7 });
    expect(() => loadConfig(Numbers, { COUNT: '2.5', DAYS: '0x10' })).toThrow(new ConfigError(['COUNT=2.5: Expected integer', 'DAYS="0x10": Expected number']));
    expect(() => loadConfig(Numbers, { COUNT: ' ', DAYS: 'Infinity' })).toThrow(new ConfigError(['COUNT=" ": Expected integer', 'DAYS="Infinity": Expected number']));
  });

  it('two processes on one host never share a metrics port by default: it is PORT + 1000, or a free one for PORT 0', () => {
    const ports = [8080, 8081].map((PORT) => metricsPortFor(loadConfig(Schema, { DATABASE_URL: 'postgres://h/db', KAFKA_BROKERS: 'k:9092', PORT: String(PORT) })));
    expect(ports).toEqual([9080, 9081]);
    expect(metricsPortFor({ PORT: 0 })).toBe(0);
    expect(metricsPortFor({ PORT: 65_000 })).toBe(0);
    expect(metricsPortFor({ PORT: 8080, METRICS_PORT: 9464 })).toBe(9464);
  });

  it('merges a process schema from parts; a shared setting is declared once, and a second, different declaration is refused', () => {
    const merged = mergeEnvSchemas(envSchema({ ...TokenEnv }), envSchema({ ...TokenEnv, TSS_X: Type.Integer({ default: 1 }) }));
    expect(loadConfig(merged, {})).toEqual({ TSS_JWT_ISSUER: 'tss', TSS_JWT_AUDIENCE: 'tss-api', TSS_X: 1 });
    expect(() => mergeEnvSchemas(envSchema({ ...TokenEnv }), envSchema({ TSS_JWT_ISSUER: Type.String({ default: 'other' }) }))).toThrow(/TSS_JWT_ISSUER is declared twice/);
  });
});
