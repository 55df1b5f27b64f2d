import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import { createServiceApp, type ServiceApp } from '../src/create-app';
import { PROBLEM_CONTENT_TYPE } from '../src/problem';

/** The driver's words for an unreachable database: the address and the reason, never for the public. */
const DRIVER_ERROR = 'connect ECONNREFUSED 10.1.2.3:5432 (password authentication failed for user "tss_prod")';

// An outside test: /readyz (no token, public ingress) answered `"down: connect ENOENT /tmp/…"`, the
// database's address or an authentication failure's text in production.
describe('/readyz says which dependency is down, and only the log says why', () => {
  let app: ServiceApp;
  const lines: Record<string, unknown>[] = [];
  let failure: Error | undefined = new Error(DRIVER_ERROR);

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    app = await createServiceApp({
      name: 'ready',
      logger: pino({ level: 'info' }, sink),
      readiness: () => [
        { name: 'svc:database', check: async () => { if (failure) throw failure; } },
        { name: 'other:database', check: async () => undefined },
      ],
    });
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
  });

  const logged = (message: string) => lines.filter((l) => l.msg === message);

  it('answers "down" without the driver error, logs the error once per change of state, not per probe', async () => {
    for (let probe = 0; probe < 3; probe += 1) {
      const response = await request(app.server).get('/readyz');
      expect(response.status).toBe(503);
      expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
      expect(response.body.checks).toEqual({ 'svc:database': 'down', 'other:database': 'ok' });
      expect(response.text).not.toContain('10.1.2.3');
      expect(response.text).not.toContain('tss_prod');
    }
    const down = logged('readiness check down');
    expect(down).toHaveLength(1);
    expect(down[0]).toMatchObject({ level: 40, check: 'svc:database' });
    expect(JSON.stringify(down[0])).toContain('ECONNREFUSED 10.1.2.3:5432');

    failure = undefined;
    for (let probe = 0; probe < 2; probe += 1) expect((await request(app.server).get('/readyz')).status).toBe(200);
    expect(logged('readiness check ok again')).toEqual([expect.objectContaining({ level: 30, check: 'svc:database' })]);

    failure = new Error(DRIVER_ERROR);
    await request(app.server).get('/readyz');
    expect(logged('readiness check down')).toHaveLength(2);
    expect(logged('readiness check ok again')).toHaveLength(1);
  });
});
