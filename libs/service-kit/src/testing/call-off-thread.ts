import { Worker } from 'node:worker_threads';

// The worker loads TypeScript and the @tss/* paths through tsx, as `npm start` does.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const loaded = require(workerData.tsxApi).require(workerData.modulePath, workerData.modulePath);
parentPort.postMessage(loaded[workerData.exportName](...workerData.args));
`;

const running = new Set<Worker>();

/**
 * Calls `exportName(...args)` of the TypeScript module at `modulePath` on a worker thread, for
 * tests that a computation ends in bounded time (a regular expression that must not backtrack).
 * Jest's timeout cannot interrupt synchronous code on the test's own thread: such a test passes
 * however long the call takes. Awaiting a worker, it fails at its timeout, and
 * `stopCallsOffThread()` (in `afterEach`) ends the worker.
 */
export const callOffThread = <F extends (...args: never[]) => unknown>(modulePath: string, exportName: string, ...args: Parameters<F>): Promise<ReturnType<F>> =>
  new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { tsxApi: require.resolve('tsx/cjs/api'), modulePath, exportName, args } });
    running.add(worker);
    worker.once('message', (result: ReturnType<F>) => resolve(result));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      running.delete(worker);
      reject(new Error(`the worker calling ${exportName} exited (code ${code}) without a result`));
    });
  });

/** Ends the workers of calls still running (a test that timed out leaves its call running). */
export const stopCallsOffThread = async (): Promise<void> => {
  await Promise.all([...running].map((worker) => worker.terminate()));
  running.clear();
};
