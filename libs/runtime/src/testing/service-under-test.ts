import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import pino, { type Logger } from 'pino';
import type request from 'supertest';
import { InProcessTransport } from '@tss/messaging';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { TokenVerifier, type Clock, type PublicKeySource, type TssClaims } from '@tss/service-kit';
import { Platform, PLATFORM_RELAY_POLL_MS } from '../platform';
import type { ServiceHost } from '../service-host';
import type { ServiceModule } from '../service-module';
import { prepareOlderRelease, type OlderRelease } from './older-release';
import { PlatformClient } from './platform-client';

const ISSUER = 'tss';
const AUDIENCE = 'tss-api';
const KID = 'service-under-test';

export interface ServiceUnderTestOptions {
  clock: Clock;
  /** The module's environment (its `config` is read from it); default: none, so its defaults. */
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  relayPollIntervalMs?: number;
  /** The hosted consumer's retries (docs/adr/0013): a test that dead-letters events through it shortens them. */
  consumerRetryBaseMs?: number;
  consumerNotYetMaxWaitMs?: number;
  /**
   * `migrated` (default): a clone of the run's template; `empty` runs the module's migrations; an
   * older release: its migrations and rows first, then the rest at start (an upgrade).
   */
  database?: 'migrated' | 'empty' | OlderRelease;
  /**
   * An existing database instead (one an earlier instance of the test used, to start again on what
   * it left): not migrated from a template, and left in place by `stop`.
   */
  databaseUrl?: string;
}

export interface ServiceUnderTest {
  platform: Platform;
  host: ServiceHost;
  databaseUrl: string;
  http(): ReturnType<typeof request>;
  /** An access token as the gateway would sign it, with these claims (kind, partner_id, scope, roles…). */
  token(claims: Partial<TssClaims> & Pick<TssClaims, 'kind'>, ttlSeconds?: number): string;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

/**
 * One service alone, as its integration tests need it: its own database (a clone of the run's
 * migrated template), the in-process transport, and tokens signed by a key of the test's own
 * instead of a gateway. Boots one module, not six.
 */
export const startServiceUnderTest = async (module: ServiceModule, options: ServiceUnderTestOptions): Promise<ServiceUnderTest> => {
  const olderRelease = typeof options.database === 'object' ? options.database : undefined;
  const db: Pick<TestDatabase, 'url' | 'drop'> = options.databaseUrl
    ? { url: options.databaseUrl, drop: async () => undefined }
    : await createTestDatabase(module.name, { from: options.database === undefined || options.database === 'migrated' ? 'migrated' : 'empty' });
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keys: PublicKeySource = { getKey: async (kid: string): Promise<KeyObject | undefined> => (kid === KID ? publicKey : undefined) };
  const nowSeconds = () => Math.floor(options.clock.now().getTime() / 1000);
  let platform: Platform;
  try {
    if (olderRelease) await prepareOlderRelease(module, db.url, olderRelease);
    platform = await Platform.start({
      modules: [module],
      name: module.name,
      openapi: { title: `TSS ${module.name}` },
      databaseUrl: db.url,
      transport: new InProcessTransport(),
      clock: options.clock,
      logger: options.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      tokens: new TokenVerifier({ issuer: ISSUER, audience: AUDIENCE, keys, nowSeconds }),
      env: options.env ?? {},
      migrate: true,
      poolSize: 3,
      relayPollIntervalMs: options.relayPollIntervalMs ?? PLATFORM_RELAY_POLL_MS,
      consumerRetryBaseMs: options.consumerRetryBaseMs,
      consumerNotYetMaxWaitMs: options.consumerNotYetMaxWaitMs,
    });
  } catch (error) {
    await db.drop();
    throw error;
  }
  const client = new PlatformClient(platform.app.server);
  const host = platform.host(module.name);
  return {
    platform,
    host,
    databaseUrl: db.url,
    http: () => client.http(),
    token: (claims, ttlSeconds = 300) =>
      jwt.sign({ sub: claims.partner_id ?? claims.client_id ?? 'test-subject', jti: randomUUID(), iat: nowSeconds(), exp: nowSeconds() + ttlSeconds, ...claims }, privateKey, {
        algorithm: 'ES256',
        keyid: KID,
        issuer: ISSUER,
        audience: AUDIENCE,
      }),
    query: (sql, params = []) => host.dataSource.query(sql, params),
    stop: async () => {
      await platform.stop();
      await db.drop();
    },
  };
};

/**
 * What a start refused: its error (a test then checks its kind and message). A start that went
 * through is stopped and answered as the text `the start went through`, so an assertion on the
 * error's kind fails saying so.
 */
export const refusalOf = async (starting: Promise<{ stop(): Promise<void> }>): Promise<unknown> =>
  starting.then(
    async (started) => {
      await started.stop();
      return 'the start went through';
    },
    (error: unknown) => error,
  );
