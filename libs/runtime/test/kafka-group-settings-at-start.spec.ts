import { defineService, runServiceProcess, type ServiceModule } from '../src';

/** A module that must never be built: the settings stop the process before. */
const rating: ServiceModule = defineService({
  name: 'rating',
  description: 'a module under test',
  schema: 'rating',
  entities: [],
  migrations: [],
  build: () => {
    throw new Error('the module was built');
  },
});

/** Everything else a services-mode process needs; PostgreSQL at a closed port, tried once, were the settings accepted. */
const VALID = { DATABASE_URL: 'postgres://tss:pw@127.0.0.1:1/tss', DB_CONNECT_TIMEOUT_MS: '0', KAFKA_BROKERS: '127.0.0.1:1', TSS_JWKS_URL: 'http://127.0.0.1:1/.well-known/jwks.json' };

/**
 * The consumer group's session timeout and heartbeat were constants (10 s, 3 s); as settings they
 * are checked with every other before anything connects (docs/adr/0020, addendum of 2026-12-05,
 * fifth session; docs/adr/0015).
 */
describe("a services-mode process: its consumer group's timeouts checked at start", () => {
  let stderr: string;
  const saved = { ...process.env };

  beforeEach(() => {
    stderr = '';
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    jest.spyOn(process, 'exit').mockImplementation((code) => {
      throw new Error(`process.exit(${String(code)})`);
    });
  });
  afterEach(() => {
    jest.restoreAllMocks();
    process.env = { ...saved };
  });

  const start = (env: Record<string, string>) => {
    process.env = { PATH: saved.PATH ?? '', ...VALID, ...env };
    return runServiceProcess(rating, undefined, []);
  };

  it('a heartbeat not below a third of the session timeout: exit 78, one line naming both', async () => {
    await expect(start({ KAFKA_SESSION_TIMEOUT_MS: '30000', KAFKA_HEARTBEAT_INTERVAL_MS: '10000' })).rejects.toThrow('process.exit(78)');
    const lines = stderr.split('\n').filter((line) => line.includes('KAFKA_'));
    expect(lines).toEqual([expect.stringMatching(/^ {2}- KAFKA_HEARTBEAT_INTERVAL_MS=10000 .*KAFKA_SESSION_TIMEOUT_MS=30000/)]);
  });

  it('the default heartbeat (3 s) against a session timeout of 9 s is refused too, the default named as such', async () => {
    await expect(start({ KAFKA_SESSION_TIMEOUT_MS: '9000' })).rejects.toThrow('process.exit(78)');
    expect(stderr).toMatch(/^ {2}- KAFKA_HEARTBEAT_INTERVAL_MS \(unset: 3000\) .*KAFKA_SESSION_TIMEOUT_MS=9000/m);
  });

  it('a rebalance timeout below the session timeout: exit 78, both named', async () => {
    await expect(start({ KAFKA_SESSION_TIMEOUT_MS: '120000', KAFKA_HEARTBEAT_INTERVAL_MS: '10000' })).rejects.toThrow('process.exit(78)');
    expect(stderr).toMatch(/^ {2}- KAFKA_REBALANCE_TIMEOUT_MS \(unset: 60000\) .*KAFKA_SESSION_TIMEOUT_MS=120000/m);
  });

  it('out of range, with another bad setting: both in the one message, exit 78', async () => {
    await expect(start({ KAFKA_SESSION_TIMEOUT_MS: '5000', PORT: 'eighty' })).rejects.toThrow('process.exit(78)');
    expect(stderr.match(/Invalid configuration/g)).toHaveLength(1);
    expect(stderr).toContain('  - KAFKA_SESSION_TIMEOUT_MS=5000: ');
    expect(stderr).toContain('  - PORT="eighty": ');
  });
});
