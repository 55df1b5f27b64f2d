import { Type } from '@sinclair/typebox';
import { envSchema } from '@tss/service-kit';
import { defineService, runServiceProcess, type ServiceModule } from '../src';

/** A module that must never be built: `config-schema` reads its settings and nothing else. */
const rating: ServiceModule = defineService({
  name: 'rating',
  description: 'a module under test',
  schema: 'rating',
  entities: [],
  migrations: [],
  config: envSchema({ MODULE_SETTING_MS: Type.Integer({ minimum: 1, default: 5 }), MODULE_OPTIONAL: Type.Optional(Type.String()) }),
  build: () => {
    throw new Error('config-schema built the module');
  },
});

describe('`main.js config-schema`: the variables a service process reads (docs/adr/0021)', () => {
  let written: string;
  beforeEach(() => {
    written = '';
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written += String(chunk);
      return true;
    });
    // Before the command existed, the process validated an empty environment and exited 78.
    jest.spyOn(process, 'exit').mockImplementation((code) => {
      throw new Error(`process.exit(${String(code)})`);
    });
  });
  afterEach(() => jest.restoreAllMocks());

  it("prints one JSON Schema of the process's own, the module's and the entry point's settings, reading no environment", async () => {
    const entry = { config: envSchema({ ENTRY_URL: Type.String({ pattern: '^https?://' }) }) };

    await runServiceProcess(rating, entry, ['config-schema']);

    const schema = JSON.parse(written) as { properties: Record<string, unknown>; required?: string[] };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['DATABASE_URL', 'KAFKA_BROKERS', 'HOST', 'TSS_JWKS_URL', 'TSS_OIDC_ISSUER', 'MODULE_SETTING_MS', 'MODULE_OPTIONAL', 'ENTRY_URL', 'CONSUMER_NEWER_TYPE_WAIT_MS', 'EVENT_RETENTION_DAYS', 'OUTBOX_RELAY_BATCH_SIZE']));
    // docs/adr/0072, addendum of 2026-12-05, third session: a rolling upgrade's length by default.
    expect(schema.properties.CONSUMER_NEWER_TYPE_WAIT_MS).toMatchObject({ type: 'integer', minimum: 0, default: 300_000 });
    expect(schema.properties.ENTRY_URL).toMatchObject({ type: 'string', pattern: '^https?://' });
    expect(schema.required).toEqual(expect.arrayContaining(['DATABASE_URL', 'KAFKA_BROKERS', 'ENTRY_URL']));
    expect(schema.required).not.toContain('MODULE_OPTIONAL');
  });
});
