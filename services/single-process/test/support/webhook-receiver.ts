import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { waitFor } from '@tss/service-kit/testing';

export interface ReceivedWebhook {
  path: string;
  headers: Record<string, string>;
  body: string;
  /** The test clock's time when it arrived (ms). */
  clockMs: number;
}

export type Answer = { status: number; headers?: Record<string, string> } | 'hang';

/** A real HTTP receiver on 127.0.0.1: records every request and answers as each path is told to. */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  private readonly answers = new Map<string, (n: number) => Answer>();
  private readonly sockets = new Set<Socket>();
  private readonly hanging = new Set<ServerResponse>();
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(clock: { now(): Date }): Promise<WebhookReceiver> {
    // eslint-disable-next-line prefer-const -- assigned once the server listens, read by its handlers
    let receiver!: WebhookReceiver;
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '/';
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
        receiver.received.push({ path, headers, body: Buffer.concat(chunks).toString('utf8'), clockMs: clock.now().getTime() });
        const n = receiver.received.filter((r) => r.path === path).length;
        const answer = receiver.answers.get(path)?.(n) ?? { status: 200 };
        if (answer === 'hang') {
          receiver.hanging.add(res);
          return;
        }
        res.writeHead(answer.status, answer.headers).end('ok');
      });
    });
    server.on('connection', (s: Socket) => {
      receiver?.sockets.add(s);
      s.on('close', () => receiver?.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    receiver = new WebhookReceiver(server, address.port);
    return receiver;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** How `path` answers its n-th request (1-based). */
  answer(path: string, answer: (n: number) => Answer): void {
    this.answers.set(path, answer);
  }

  at(path: string): ReceivedWebhook[] {
    return this.received.filter((r) => r.path === path);
  }

  waitForCount(path: string, count: number, timeoutMs = 15_000): Promise<ReceivedWebhook[]> {
    return waitFor(`${count} webhook(s) at ${path} (have ${this.at(path).length})`, () => (this.at(path).length >= count ? this.at(path) : undefined), { timeoutMs });
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
