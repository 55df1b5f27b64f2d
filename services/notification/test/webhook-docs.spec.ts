import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '@tss/service-kit';
import { freePort, waitFor } from '@tss/service-kit/testing';
import { newWebhookSecret, signatureHeader } from '../src/domain/webhook-signature';

const DOC = join(__dirname, '../../../docs/webhooks.md');

/** The fenced block whose info string is `<lang> receiver`. */
const snippet = (lang: string): string => {
  const match = new RegExp('```' + lang + ' receiver\\n([\\s\\S]*?)\\n```').exec(readFileSync(DOC, 'utf8'));
  if (!match) throw new Error(`no ${lang} receiver in docs/webhooks.md`);
  return match[1];
};

// The receivers check timestamps against the wall clock, so this suite signs with the system clock.
// docs/webhooks.md promises both receivers run: they are started as written and sent deliveries signed by TSS's signer.
describe('docs/webhooks.md receivers verify TSS signatures (issue #11)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'webhook-docs-'));
  const children: ChildProcess[] = [];
  const secret = newWebhookSecret();

  afterAll(() => {
    for (const child of children) child.kill();
  });

  const start = async (command: string, file: string): Promise<{ port: number; output: () => string }> => {
    const port = await freePort();
    const child = spawn(command, [file], { env: { ...process.env, PORT: String(port), WEBHOOK_SECRET: secret }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let output = '';
    child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    await waitFor(`${file} listening (${output})`, () => output.includes('listening'));
    return { port, output: () => output };
  };

  const post = async (port: number, headers: Record<string, string>, body: string) =>
    (await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body })).status;

  const signed = (body: string, id = 'evt-1', timestampSeconds = Math.floor(systemClock.now().getTime() / 1000), secrets = [secret]) => ({
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': signatureHeader(secrets, id, timestampSeconds, body),
  });

  const body = JSON.stringify({ specversion: '1.0', id: 'evt-1', type: 'ticket.created', subject: 'ticket-42', sequence: 1, data: { text: 'привет' } });

  const behaves = async (receiver: { port: number; output: () => string }) => {
    expect(await post(receiver.port, signed(body), body)).toBe(204);
    expect(await post(receiver.port, signed(body), body)).toBe(204); // a retry: accepted, not handled twice
    expect(await post(receiver.port, signed(body, 'evt-2', undefined, [newWebhookSecret(), secret]), body)).toBe(204); // during a rotation
    expect(await post(receiver.port, signed(body), body.replace('ticket-42', 'ticket-43'))).toBe(400);
    expect(await post(receiver.port, signed(body, 'evt-3', undefined, [newWebhookSecret()]), body)).toBe(400);
    expect(await post(receiver.port, signed(body, 'evt-4', Math.floor(systemClock.now().getTime() / 1000) - 600), body)).toBe(400);
    await waitFor('the event printed', () => receiver.output().includes('ticket.created ticket-42 1'));
    expect(receiver.output().match(/ticket\.created ticket-42 1/g)).toHaveLength(2); // evt-1 once, evt-2 once
  };

  it('the Node receiver', async () => {
    const file = join(dir, 'receiver.js');
    writeFileSync(file, snippet('js'));
    await behaves(await start(process.execPath, file));
  });

  it('the Python receiver', async () => {
    const file = join(dir, 'receiver.py');
    writeFileSync(file, snippet('python'));
    await behaves(await start('python3', file));
  });
});
