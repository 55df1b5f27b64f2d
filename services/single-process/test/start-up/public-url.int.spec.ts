import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { PlatformClient } from '@tss/runtime/testing';
import { Client } from 'pg';
import { freePort, waitFor } from '@tss/service-kit/testing';
import { localBaseUrl, withPublicUrlDefault } from '../../src/single-process.config';
import { fileSampleTicket, startPlatformProcess, type PlatformProcess } from '../support/platform-process';

const ADMIN = { id: 'public-url-admin', secret: 'public-url-admin-secret-0123456789' };

describe('single process: TSS_PUBLIC_URL defaults to the address it serves on', () => {
  it('unset, it is http://HOST:PORT (an unspecified HOST reads 127.0.0.1, an IPv6 one in brackets); set, or PORT 0, it is left alone', () => {
    expect(withPublicUrlDefault({}, { HOST: '127.0.0.1', PORT: 8080 }).TSS_PUBLIC_URL).toBe('http://127.0.0.1:8080');
    expect(withPublicUrlDefault({}, { HOST: '0.0.0.0', PORT: 18380 }).TSS_PUBLIC_URL).toBe('http://127.0.0.1:18380');
    expect(withPublicUrlDefault({}, { HOST: '::1', PORT: 8080 }).TSS_PUBLIC_URL).toBe('http://[::1]:8080');
    expect(withPublicUrlDefault({ TSS_PUBLIC_URL: 'https://help.example' }, { HOST: '127.0.0.1', PORT: 8080 }).TSS_PUBLIC_URL).toBe('https://help.example');
    expect(withPublicUrlDefault({}, { HOST: '127.0.0.1', PORT: 0 }).TSS_PUBLIC_URL).toBeUndefined();
    expect(localBaseUrl({ HOST: '::', PORT: 8080 })).toBe('http://127.0.0.1:8080');
  });

  describe('as `npm start` runs it (services/single-process/src/main.ts), TSS_PUBLIC_URL unset', () => {
    let db: TestDatabase;
    let platform: PlatformProcess | undefined;
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tss-public-url-'));

    beforeAll(async () => {
      db = await createTestDatabase('public_url');
    });

    afterAll(async () => {
      if (platform && platform.child.exitCode === null) {
        platform.child.kill('SIGTERM');
        await platform.exited;
      }
      await db?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }, 60_000);

    it('the site link in the acknowledgment mail opens the port the platform serves on', async () => {
      const port = await freePort();
      // Nothing of the test run's environment but PATH and HOME: no TSS_PUBLIC_URL, no broker.
      const inherited = Object.keys(process.env).filter((name) => name !== 'PATH' && name !== 'HOME');
      platform = startPlatformProcess(
        {
          DATABASE_URL: db.url,
          TSS_DATA_DIR: dataDir,
          PORT: String(port),
          METRICS_PORT: '0',
          LOG_LEVEL: 'warn',
          TSS_BOOTSTRAP_CLIENT_ID: ADMIN.id,
          TSS_BOOTSTRAP_CLIENT_SECRET: ADMIN.secret,
        },
        { without: inherited },
      );
      await platform.ready;
      const base = `http://127.0.0.1:${port}`;
      const client = new PlatformClient(base);
      const admin = await client.token(ADMIN.id, ADMIN.secret);
      const acme = await client.partner(admin, 'Acme public URL');
      const filed = await fileSampleTicket(base, acme.token, { requester: { email: 'ann@example.com' } });
      expect(filed.status).toBe(201);

      const mail = await waitFor(
        'the acknowledgment in the outbox',
        async () => {
          const outbox = await client.http().get(`/v1/mail/outbox?ticketId=${filed.id}`).auth(admin, { type: 'bearer' });
          return (outbox.body.items as { kind: string; text: string }[] | undefined)?.find((m) => m.kind === 'acknowledgment');
        },
        { timeoutMs: 30_000, intervalMs: 100 },
      );
      // The outbox withholds the link's credential (docs/adr/0040, fifth session): its address is shown,
      // and the mail as sent, in notification's table, carries the link itself.
      expect(mail.text).toContain(`${base}/support/t/[withheld]`);
      const pg = new Client({ connectionString: db.url });
      await pg.connect();
      const sent = await pg
        .query<{ text_body: string }>(`SELECT text_body FROM notification.mail_messages WHERE ticket_id = $1 AND kind = 'acknowledgment'`, [filed.id])
        .finally(() => pg.end());
      const link = /https?:\/\/\S+\/support\/t\/[^\s)>\]]+/.exec(sent.rows[0].text_body)?.[0];
      expect(link).toBeDefined();
      expect(link!.startsWith(`${base}/support/t/`)).toBe(true);
      // It opens: the requester's page of this very ticket, from this process.
      const opened = await fetch(link!, { redirect: 'manual' });
      expect(opened.status).toBe(200);
      expect(opened.headers.get('content-type')).toContain('text/html');
      expect(await opened.text()).toContain((filed.body as { reference: string }).reference);

      // Mailed links outlive the process: the next start on the same data folder opens them
      // (the key is kept in <TSS_DATA_DIR>/site-link-keys; outside check of 2026-12-05).
      platform.child.kill('SIGTERM');
      await platform.exited;
      platform = startPlatformProcess(
        { DATABASE_URL: db.url, TSS_DATA_DIR: dataDir, PORT: String(port), METRICS_PORT: '0', LOG_LEVEL: 'warn', TSS_BOOTSTRAP_CLIENT_ID: ADMIN.id, TSS_BOOTSTRAP_CLIENT_SECRET: ADMIN.secret },
        { without: inherited },
      );
      await platform.ready;
      const reopened = await fetch(link!, { redirect: 'manual' });
      expect(reopened.status).toBe(200);
      expect(await reopened.text()).toContain((filed.body as { reference: string }).reference);
      expect(statSync(path.join(dataDir, 'site-link-keys')).mode & 0o077).toBe(0);
    }, 180_000);
  });
});
