import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { CannotListen, isLauncherNotice, LAUNCHER_NOTICES_ENV, listenAs } from '../src';

const NOTICE_FILE = path.resolve(__dirname, '../src/launcher-notice.ts');

/** A process with an IPC channel that tells its launcher it listens, then exits: the messages its parent received. */
const messagesOfChild = (env: NodeJS.ProcessEnv): Promise<unknown[]> =>
  new Promise((resolve, reject) => {
    const script = `require(${JSON.stringify(NOTICE_FILE)}).tellLauncher({ type: 'tss.listening', port: 8080, metricsPort: 9080 }).then(() => process.exit(0));`;
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    const messages: unknown[] = [];
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('message', (message) => messages.push(message));
    child.once('close', (code) => (code === 0 ? resolve(messages) : reject(new Error(`exited with ${code}: ${stderr}`))));
  });

/** A server listening on `port` of 127.0.0.1 (0: any free one); rejects as the listen fails. */
const listenOn = (port: number): Promise<Server> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });

// start:services took an answer on a service's port for the service's readiness (another platform's
// gateway answered), and restarted a service refused its port for ever: the service now tells it.
describe('what a service process tells the launcher that started it', () => {
  it('a listener refused carries which: its setting, address and code', async () => {
    const other = await listenOn(0);
    const { port } = other.address() as { port: number };
    try {
      const failure = await listenAs('PORT', { host: '127.0.0.1', port }, () => listenOn(port)).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(CannotListen);
      expect((failure as CannotListen).refused).toEqual({ setting: 'PORT', host: '127.0.0.1', port, code: 'EADDRINUSE' });
    } finally {
      other.close();
    }
  });

  it('told over the IPC channel when the launcher asked for it; nothing sent to a parent that did not (a Jest worker, a process manager)', async () => {
    expect(await messagesOfChild({ [LAUNCHER_NOTICES_ENV]: 'ipc' })).toEqual([{ type: 'tss.listening', port: 8080, metricsPort: 9080 }]);
    expect(await messagesOfChild({})).toEqual([]);
  }, 60_000);

  it('a notice is told apart from any other message a child may send', () => {
    expect(isLauncherNotice({ type: 'tss.listening', port: 8080, metricsPort: 9080 })).toBe(true);
    expect(isLauncherNotice({ type: 'tss.cannot-listen', setting: 'METRICS_PORT', host: '127.0.0.1', port: 9080, code: 'EADDRINUSE' })).toBe(true);
    expect(isLauncherNotice([0, 'jest-worker'])).toBe(false);
    expect(isLauncherNotice({ type: 'tss.listening', port: '8080' })).toBe(false);
    expect(isLauncherNotice(null)).toBe(false);
  });
});
