import path from 'node:path';
import { callOffThread, OFF_THREAD_CALL_BOUND_MS, OFF_THREAD_TEST_TIMEOUT_MS, stopCallsOffThread } from '../src/testing/call-off-thread';
import type { forever } from './fixtures/off-thread-forever';
import type { double } from './fixtures/off-thread-slow-load';

describe('callOffThread bounds the call, not the loading of its module (docs/adr/0061)', () => {
  afterEach(stopCallsOffThread);

  it('a call still running at the bound is rejected and its worker ended', async () => {
    const call = callOffThread<typeof forever>(path.join(__dirname, 'fixtures/off-thread-forever.ts'), 'forever');
    await expect(call).rejects.toThrow(`forever did not return within ${OFF_THREAD_CALL_BOUND_MS} ms of its module loading`);
  }, OFF_THREAD_TEST_TIMEOUT_MS);

  it('a module loading for longer than the bound does not count against the call', async () => {
    const started = performance.now();
    await expect(callOffThread<typeof double>(path.join(__dirname, 'fixtures/off-thread-slow-load.ts'), 'double', 21)).resolves.toBe(42);
    expect(performance.now() - started).toBeGreaterThan(OFF_THREAD_CALL_BOUND_MS);
  }, OFF_THREAD_TEST_TIMEOUT_MS);
});
