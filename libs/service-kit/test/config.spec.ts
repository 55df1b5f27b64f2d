import { Type } from '@sinclair/typebox';
import { BaseEnv, ConfigError, envSchema, loadConfig } from '../src/config';

const Schema = envSchema({
  ...BaseEnv,
  DATABASE_URL: Type.String({ pattern: '^postgres(ql)?://' }),
  KAFKA_BROKERS: Type.String({ minLength: 1 }),
  MIGRATE_ON_START: Type.Boolean({ default: false }),
});

describe('configuration from the environment', () => {
  it('applies defaults and converts numbers and booleans', () => {
    const config = loadConfig(Schema, { DATABASE_URL: 'postgres://h/db', KAFKA_BROKERS: 'k:9092', PORT: '9000', MIGRATE_ON_START: 'true' });
    expect(config).toMatchObject({ PORT: 9000, MIGRATE_ON_START: true, HOST: '127.0.0.1', LOG_LEVEL: 'info', METRICS_PORT: 9464 });
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
    expect(problems).toMatch(/^LOG_LEVEL="loud"/m);
    expect(problems).toMatch(/^DATABASE_URL="\[redacted\]"/m);
    expect(problems).not.toContain('hunter2');
    expect(problems).toMatch(/^REDIS_URL="http:\/\/default:\[redacted\]@cache:6379"/m);
    expect(problems).not.toContain('s3cret-pw');
  });
});
