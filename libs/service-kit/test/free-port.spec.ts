import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { freePort, freePortRange } from '../src/testing/free-port';

const ephemeralLow = (): number => Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);

const listen = (port: number) =>
  new Promise<() => Promise<void>>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(() => new Promise((done) => server.close(() => done()))));
  });

describe('test ports', () => {
  it('come from below the kernel’s ephemeral range, where no outgoing connection takes them meanwhile', async () => {
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(20_000);
      expect(port).toBeLessThan(ephemeralLow());
    }
  });

  it('are free: a server can listen on each port of a range', async () => {
    const base = await freePortRange(6);
    const closers = await Promise.all(Array.from({ length: 6 }, (_, i) => listen(base + i)));
    expect(base + 6).toBeLessThanOrEqual(ephemeralLow());
    await Promise.all(closers.map((close) => close()));
  });
});
