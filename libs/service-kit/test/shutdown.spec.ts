import pino from 'pino';
import { shutdownInOrder } from '../src/shutdown';
import { logCapture } from '../src/testing';

describe('ordered shutdown', () => {
  it('runs the closers in order and answers true when all finish', async () => {
    const order: string[] = [];
    const closer = (name: string) => ({ name, close: async () => void order.push(name) });
    expect(await shutdownInOrder([closer('http'), closer('workers'), closer('database')], pino({ level: 'silent' }), 1_000)).toBe(true);
    expect(order).toEqual(['http', 'workers', 'database']);
  });

  it('on timeout answers false and names the step it was waiting for', async () => {
    const capture = logCapture();
    const never = new Promise<void>(() => undefined);
    const finished = await shutdownInOrder(
      [
        { name: 'http', close: async () => undefined },
        { name: 'notification:workers', close: () => never },
        { name: 'database', close: async () => undefined },
      ],
      pino({ level: 'info' }, capture.stream),
      50,
    );
    expect(finished).toBe(false);
    expect(capture.lines).toContainEqual(expect.objectContaining({ msg: 'shutdown timed out', timeoutMs: 50, waitingFor: 'notification:workers' }));
  });

  // Node runs a timer of more than 2^31-1 ms after 1 ms: SHUTDOWN_TIMEOUT_MS=2200000000 and a
  // Ctrl-C said "shutdown timed out" at once (docs/adr/0015, addendum of 2026-12-05, fourth session).
  it('a timeout beyond the range of Node\'s timers still waits for the closers, not 1 ms', async () => {
    jest.useFakeTimers();
    try {
      const capture = logCapture();
      const slow = { name: 'workers', close: () => new Promise<void>((resolve) => setTimeout(resolve, 1_000)) };
      const finished = shutdownInOrder([slow], pino({ level: 'info' }, capture.stream), 2_200_000_000);
      await jest.advanceTimersByTimeAsync(1_000);
      expect(await finished).toBe(true);
      expect(capture.lines.map((l) => l.msg)).not.toContain('shutdown timed out');
    } finally {
      jest.useRealTimers();
    }
  });
});
