import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { freePort } from '@tss/service-kit/testing';
import { EmbeddedPostgres } from '../src/embedded-postgres';

/**
 * The longest gap between ticks of a 10 ms interval while `work` runs (how long the event loop was
 * blocked), and how long the work took.
 */
const stallOf = async (work: () => Promise<void>): Promise<{ longestMs: number; totalMs: number }> => {
  const started = performance.now();
  let last = started;
  let longest = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 10);
  try {
    await work();
  } finally {
    clearInterval(ticker);
  }
  const ended = performance.now();
  return { longestMs: Math.max(longest, ended - last), totalMs: ended - started };
};

// initdb alone takes about a second here; a synchronous call would stall the loop for all of it.
// On a machine busy with other suites a tick can come late however the work is done, so a stall
// counts only when it is also most of the work's time, as a synchronous call's is.
const MAX_STALL_MS = 400;
const stalled = ({ longestMs, totalMs }: { longestMs: number; totalMs: number }) => longestMs > Math.max(MAX_STALL_MS, totalMs / 2);

describe('embedded PostgreSQL', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tss-pg-loop-'));
  let pg: EmbeddedPostgres;

  afterAll(async () => {
    await pg?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps the event loop responsive while it initialises, starts, stops and restarts a cluster, which then answers queries', async () => {
    pg = new EmbeddedPostgres({ dataDir, port: await freePort(), fsync: false });
    const stalls = {
      firstStart: await stallOf(() => pg.start()),
      stop: await stallOf(() => pg.stop()),
      restart: await stallOf(() => pg.start()),
    };
    expect(Object.entries(stalls).filter(([, stall]) => stalled(stall))).toEqual([]);
    const client = new Client({ connectionString: pg.url() });
    await client.connect();
    try {
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await client.end();
    }
  });

  it('hands out URLs through its Unix-domain socket when asked, and keeps TCP open beside it', async () => {
    const socketData = mkdtempSync(path.join(os.tmpdir(), 'tss-pg-sock-'));
    const server = new EmbeddedPostgres({ dataDir: socketData, port: await freePort(), fsync: false, unixSocket: true });
    try {
      await server.start();
      expect(server.url('postgres')).toContain(`host=${encodeURIComponent(path.join(socketData, 'socket'))}`);
      const addressOf = async (url: string) => {
        const client = new Client({ connectionString: url });
        await client.connect();
        try {
          return (await client.query<{ addr: string | null }>('SELECT inet_client_addr()::text AS addr')).rows[0].addr;
        } finally {
          await client.end();
        }
      };
      // A Unix-domain connection has no client address; TCP's is the loopback.
      expect(await addressOf(server.url())).toBeNull();
      expect(await addressOf(server.tcpUrl())).toBe('127.0.0.1/32');
    } finally {
      await server.stop();
      rmSync(socketData, { recursive: true, force: true });
    }
  });

  it('starts the server with the max_connections asked for', async () => {
    const data = mkdtempSync(path.join(os.tmpdir(), 'tss-pg-conn-'));
    const server = new EmbeddedPostgres({ dataDir: data, port: await freePort(), fsync: false, maxConnections: 150 });
    try {
      await server.start();
      const client = new Client({ connectionString: server.url() });
      await client.connect();
      try {
        expect((await client.query<{ max_connections: string }>('SHOW max_connections')).rows[0].max_connections).toBe('150');
      } finally {
        await client.end();
      }
    } finally {
      await server.stop();
      rmSync(data, { recursive: true, force: true });
    }
  });

  it('falls back to TCP when the socket path would be too long for the kernel', async () => {
    const server = new EmbeddedPostgres({ dataDir: path.join(os.tmpdir(), 'x'.repeat(120)), port: 5432, unixSocket: true });
    expect(server.url('db')).toBe(server.tcpUrl('db'));
  });
});
