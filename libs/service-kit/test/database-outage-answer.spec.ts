import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import pino from 'pino';
import request from 'supertest';
import { createServiceApp, type ServiceApp } from '../src/create-app';
import { PROBLEM_CONTENT_TYPE } from '../src/problem';

// An outside test stopped the embedded PostgreSQL under load: over TCP every request was a 503,
// but through the Unix-domain socket (npm start's default), once the server had removed its socket
// file, the driver's `connect ENOENT <dir>/.s.PGSQL.<port>` was answered 500 "internal".
describe('a database that cannot be reached is a 503 problem with Retry-After, whatever the way to it', () => {
  let app: ServiceApp;
  const socketDir = mkdtempSync(path.join(os.tmpdir(), 'tss-no-socket-'));

  beforeAll(async () => {
    app = await createServiceApp({ name: 'outage', logger: pino({ level: 'silent' }) });
    // A real driver failure: a socket folder in which no server listens (its socket file is gone).
    app.get('/v1/through-socket', async () => {
      const client = new Client({ host: socketDir, port: 5432, user: 'tss', database: 'tss' });
      try {
        await client.connect();
        return { ok: true };
      } finally {
        await client.end().catch(() => undefined);
      }
    });
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
    rmSync(socketDir, { recursive: true, force: true });
  });

  it('a Unix-domain socket whose file is gone (connect ENOENT) answers 503 with Retry-After, not 500', async () => {
    const response = await request(app.server).get('/v1/through-socket');
    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toBe('5');
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.body.type).toMatch(/unavailable$/);
    expect(JSON.stringify(response.body)).not.toContain(socketDir);
  });
});
