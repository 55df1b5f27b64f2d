// The webhooks benchmark's receiver, in a process of its own: answers every POST 200 at once,
// counts them, and tells the benchmark what it saw (GET /stats; POST /reset starts a new count).
import { createServer } from 'node:http';
import { wallMs } from '../support/timing';

const port = Number(process.env.PORT ?? 0);
let count = 0;
let firstAtMs: number | undefined;
let lastAtMs: number | undefined;
let sample: { headers: Record<string, string>; body: string } | undefined;

createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ count, firstAtMs, lastAtMs, sample }));
    return;
  }
  if (req.method === 'GET') {
    res.writeHead(200).end('ok');
    return;
  }
  if (req.method === 'POST' && req.url === '/reset') {
    count = 0;
    firstAtMs = undefined;
    lastAtMs = undefined;
    res.writeHead(204).end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const now = wallMs();
    count += 1;
    firstAtMs ??= now;
    lastAtMs = now;
    if (!sample && req.headers['webhook-signature']) {
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => name.startsWith('webhook-') || name === 'content-type').map(([k, v]) => [k, String(v)]));
      sample = { headers, body: Buffer.concat(chunks).toString('utf8') };
    }
    res.writeHead(200).end();
  });
}).listen(port, '127.0.0.1', () => process.stdout.write('receiver listening\n'));

process.on('SIGTERM', () => process.exit(0));
