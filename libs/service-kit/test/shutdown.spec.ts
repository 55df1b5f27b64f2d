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
});
