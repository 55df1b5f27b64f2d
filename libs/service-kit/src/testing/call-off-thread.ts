import { Worker } from 'node:worker_threads';

/**
 * How long the call itself may take, counted from the moment its module has loaded. The linear
 * readings this bounds take milliseconds on 100,000 characters; the backtracking ones they replaced
 * took 15 s and more. Loading (a worker, tsx, the module) is not counted: under a busy CI it alone
 * has taken seconds, and a bound that counted it failed a linear reading.
 */
export const OFF_THREAD_CALL_BOUND_MS = 2_000;

/** Jest's timeout for a test calling off thread: room for the worker to start and load its module on a busy machine. */
export const OFF_THREAD_TEST_TIMEOUT_MS = 30_000;

// The worker loads TypeScript and the @tss/* paths through tsx, as `npm start` does, says so,
// then calls.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const loaded = require(workerData.tsxApi).require(workerData.modulePath, workerData.modulePath);
parentPort.postMessage({ loaded: true });
parentPort.postMessage({ result: loaded[workerData.exportName](...workerData.args) });
`;

type WorkerMessage<R> = { loaded: true } | { result: R };

const running = new Set<Worker>();

/**
 * Calls `exportName(...args)` of the TypeScript module at `modulePath` on a worker thread, for
 * tests that a computation ends in bounded time (a regular expression that must not backtrack).
 * Jest's timeout cannot interrupt synchronous code on the test's own thread: such a test passes
 * however long the call takes. Here the call is rejected, and its worker ended, once it has run
 * `OFF_THREAD_CALL_BOUND_MS` after its module loaded. `stopCallsOffThread()` (in `afterEach`)
 * ends the workers of a test that timed out while loading.
 */
export const callOffThread = <F extends (...args: never[]) => unknown>(modulePath: string, exportName: string, ...args: Parameters<F>): Promise<ReturnType<F>> =>
  new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { tsxApi: require.resolve('tsx/cjs/api'), modulePath, exportName, args } });
    running.add(worker);
    let bound: NodeJS.Timeout | undefined;
    const settle = (outcome: () => void): void => {
      clearTimeout(bound);
      outcome();
    };
    worker.on('message', (message: WorkerMessage<ReturnType<F>>) => {
      if ('result' in message) {
        settle(() => resolve(message.result));
        return;
      }
      bound = setTimeout(() => {
        reject(new Error(`${exportName} did not return within ${OFF_THREAD_CALL_BOUND_MS} ms of its module loading`));
        void worker.terminate();
      }, OFF_THREAD_CALL_BOUND_MS);
    });
    worker.once('error', (error) => settle(() => reject(error)));
    worker.once('exit', (code) => {
      running.delete(worker);
      settle(() => reject(new Error(`the worker calling ${exportName} exited (code ${code}) without a result`)));
    });
  });

/** Ends the workers of calls still running (a test that timed out leaves its call running). */
export const stopCallsOffThread = async (): Promise<void> => {
  await Promise.all([...running].map((worker) => worker.terminate()));
  running.clear();
};
