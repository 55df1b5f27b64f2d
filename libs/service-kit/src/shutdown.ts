import type { Logger } from 'pino';
import { timerDelayMs } from './timer-delay';

export interface Closer {
  name: string;
  close(): Promise<void>;
}

/**
 * Ordered graceful shutdown: closers run one after another in the order given (stop taking
 * requests, drain consumers and relays, then close pools), bounded by a timeout.
 */
export const shutdownInOrder = async (closers: readonly Closer[], logger: Logger, timeoutMs: number): Promise<boolean> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timerDelayMs(timeoutMs));
    timer.unref();
  });
  let current: string | undefined;
  const run = (async () => {
    for (const closer of closers) {
      current = closer.name;
      try {
        await closer.close();
        logger.info({ component: closer.name }, 'closed');
      } catch (error) {
        logger.error({ err: error, component: closer.name }, 'close failed');
      }
    }
    return true as const;
  })();
  const finished = await Promise.race([run, timeout]);
  clearTimeout(timer);
  // Names the step that never finished (`http`: requests in flight; `<service>:workers`: a consumer,
  // a relay or a background task), so a slow stop can be traced from one log line.
  if (!finished) logger.error({ timeoutMs, waitingFor: current }, 'shutdown timed out');
  return finished;
};

/**
 * Calls `onSignal` once on the first SIGTERM or SIGINT, then exits with its outcome. Later signals
 * are ignored while it runs (bounded by its own timeout): a terminal's Ctrl-C reaches the whole
 * process group, and a wrapper such as `npm` or `tsx` relays it once more, so the second copy of
 * one Ctrl-C must not kill the process half-way through its drain (with the embedded PostgreSQL
 * left running, docs/adr/0006).
 */
export const exitOnSignals = (onSignal: () => Promise<boolean>, logger: Logger): void => {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    onSignal().then(
      (clean) => process.exit(clean ? 0 : 1),
      (error: unknown) => {
        logger.fatal({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handle);
  process.on('SIGINT', handle);
};
