import type { ChildProcess } from 'node:child_process';
import { isLauncherNotice, type RefusedListener } from '@tss/runtime';

/**
 * A service process `npm run start:services` started (with an IPC channel), and what it told:
 * that it listens, or which of its listeners was refused (launcher-notice.ts in libs/runtime).
 * 'close', not 'exit', ends it: by then every notice and output line of the child has been read.
 */
export class ServiceChild {
  listening = false;
  /** The metrics port it bound, as it told (METRICS_PORT=0 picks one). */
  metricsPort?: number;
  refused?: RefusedListener;
  closed?: { code: number | null; signal: NodeJS.Signals | null };

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    child.on('message', (message: unknown) => {
      if (!isLauncherNotice(message)) return;
      if (message.type === 'tss.listening') {
        this.listening = true;
        this.metricsPort = message.metricsPort;
      } else this.refused = { setting: message.setting, host: message.host, port: message.port, code: message.code };
    });
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) => (this.closed = { code, signal }));
  }

  /**
   * Until the child says it listens: its own word, never an answer on its port, which may be
   * another process's. Rejects when it ends first (`refusedAs` its refused listener, if it told
   * one), after `timeoutMs`, or once `signal` is aborted.
   */
  untilListening(timeoutMs: number, refusedAs: (refused: RefusedListener) => Error, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const ended = (): Error => {
        const { code, signal: killedBy } = this.closed ?? { code: null, signal: null };
        return this.refused ? refusedAs(this.refused) : new Error(`${this.name} exited with ${code ?? killedBy} during start-up`);
      };
      const settle = (error?: Error) => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('close', onClose);
        signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve();
      };
      // After the constructor's own listeners, which have noted the notice or the end by then.
      const onMessage = () => {
        if (this.listening) settle();
      };
      const onClose = () => settle(ended());
      const onAbort = () => settle(new Error('start:services was stopped during start-up'));
      const timer = setTimeout(() => settle(new Error(`${this.name} did not listen within ${timeoutMs} ms`)), timeoutMs);
      this.child.on('message', onMessage);
      this.child.once('close', onClose);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (this.listening) settle();
      else if (this.closed) settle(ended());
      else if (signal?.aborted) onAbort();
    });
  }
}
