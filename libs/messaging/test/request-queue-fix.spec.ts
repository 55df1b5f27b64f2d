import { createRequire } from 'node:module';
import pino from 'pino';
import { fixKafkajsRequestQueue } from '../src/kafka/request-queue-fix';

// kafkajs's own per-connection request queue, not a stand-in: the fix patches this class.
const RequestQueue = createRequire(__filename)('kafkajs/src/network/requestQueue') as new (options: object) => {
  pending: unknown[];
  /** The queue's own pending-check timer, if one is armed. */
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  inflight: Map<number, unknown>;
  push(request: object): void;
  fulfillRequest(response: { correlationId: number; payload: Buffer; size: number }): void;
  maybeThrottle(ms: number): void;
  destroy(): void;
};

const queue = (maxInFlightRequests: number | null = null) =>
  new RequestQueue({ maxInFlightRequests, requestTimeout: 30_000, enforceRequestTimeout: false, clientId: 'fix-test', broker: '127.0.0.1:9092', logger: pino({ level: 'silent' }) });

/** A request as kafkajs's connection pushes it; `sent` counts its trips to the socket. */
const request = (correlationId: number) => {
  const sent = { count: 0 };
  const entry = { correlationId, apiKey: 1, apiName: 'Fetch', apiVersion: 11, resolve: () => undefined, reject: () => undefined };
  return { sent, pushed: { entry, expectResponse: true, sendRequest: () => (sent.count += 1) } };
};

const answer = (correlationId: number) => ({ correlationId, payload: Buffer.alloc(0), size: 0 });

describe('kafkajs request queue (docs/adr/0057)', () => {
  // Only the timers: the queue's own timer handle is what is checked, not whatever else a run schedules.
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-12-03T10:00:00.000Z'), doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] }));
  afterEach(() => jest.useRealTimers());

  it('as released, kafkajs 2.2.4 keeps a 1 ms timer running on a connection with nothing to do', () => {
    // Stock behaviour, before the fix: if a kafkajs release ever stops this, the fix can go.
    const q = queue();
    const { pushed } = request(1);
    q.push(pushed);
    q.fulfillRequest(answer(1));
    expect(q.pending).toHaveLength(0);
    expect(q.throttleCheckTimeoutId).not.toBeNull();
    const checks = jest.spyOn(q, 'checkPendingRequests');
    jest.advanceTimersByTime(1_000);
    // Nothing to check, yet it checked about a thousand times in a second, and is armed again.
    expect(checks.mock.calls.length).toBeGreaterThan(500);
    expect(q.throttleCheckTimeoutId).not.toBeNull();
    q.destroy();
  });

  describe('fixed', () => {
    beforeAll(() => fixKafkajsRequestQueue());

    it('schedules nothing on a connection whose requests were all answered', () => {
      const q = queue();
      const { pushed, sent } = request(1);
      q.push(pushed);
      expect(sent.count).toBe(1);
      q.fulfillRequest(answer(1));
      expect(q.throttleCheckTimeoutId).toBeNull();
      const checks = jest.spyOn(q, 'checkPendingRequests');
      jest.advanceTimersByTime(1_000);
      expect(checks).not.toHaveBeenCalled();
      q.destroy();
    });

    it('still sends a request held back by a broker throttle when the throttle ends', () => {
      const q = queue();
      q.maybeThrottle(50);
      const { pushed, sent } = request(1);
      q.push(pushed);
      expect(sent.count).toBe(0);
      jest.advanceTimersByTime(49);
      expect(sent.count).toBe(0);
      jest.advanceTimersByTime(10);
      expect(sent.count).toBe(1);
      expect(q.pending).toHaveLength(0);
      q.fulfillRequest(answer(1));
      expect(q.throttleCheckTimeoutId).toBeNull();
      q.destroy();
    });

    it('sends a request held back by the in-flight limit as soon as an answer frees a slot', () => {
      const q = queue(1);
      const first = request(1);
      const second = request(2);
      q.push(first.pushed);
      q.push(second.pushed);
      expect([first.sent.count, second.sent.count]).toEqual([1, 0]);
      q.fulfillRequest(answer(1));
      expect(second.sent.count).toBe(1);
      q.fulfillRequest(answer(2));
      // The 10 ms check armed while the second waited runs once and is not armed again.
      jest.advanceTimersByTime(10);
      expect(q.throttleCheckTimeoutId).toBeNull();
      q.destroy();
    });

    it('applies once, however many transports are made', () => {
      const proto = (RequestQueue as unknown as { prototype: { scheduleCheckPendingRequests: unknown } }).prototype;
      const patched = proto.scheduleCheckPendingRequests;
      fixKafkajsRequestQueue();
      expect(proto.scheduleCheckPendingRequests).toBe(patched);
    });
  });
});
