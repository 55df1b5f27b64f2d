import { CommitEchoes, ECHO_WINDOW_MS } from '../src/outbox/commit-echoes';

describe('CommitEchoes: one wake-up per commit, from whichever signal comes first (docs/adr/0090)', () => {
  let now = 0;
  const echoes = () => new CommitEchoes(() => now, ECHO_WINDOW_MS);
  beforeEach(() => {
    now = 1_000;
  });

  it('the kick first: it wakes the relay, and the NOTIFY from the same backend that follows does not', () => {
    const e = echoes();
    expect(e.announced({ backendPid: 41, startedAt: 990 })).toBe(true);
    now += 2;
    expect(e.notified(41)).toBe(false);
    // The next NOTIFY from that backend is news again (a timer worker's commit, say).
    expect(e.notified(41)).toBe(true);
  });

  it('the NOTIFY first: it wakes the relay, and the kick of the commit it came from does not', () => {
    const e = echoes();
    expect(e.notified(41)).toBe(true);
    now += 1;
    expect(e.announced({ backendPid: 41, startedAt: 995 })).toBe(false);
    // Neither is left waiting: the next commit on that backend wakes the relay once more, by its kick.
    expect(e.announced({ backendPid: 41, startedAt: 1_005 })).toBe(true);
    expect(e.notified(41)).toBe(false);
  });

  it('a NOTIFY heard before the commit began is not its echo', () => {
    const e = echoes();
    expect(e.notified(41)).toBe(true);
    now += 10;
    expect(e.announced({ backendPid: 41, startedAt: 1_005 })).toBe(true);
  });

  it('a NOTIFY from another backend, or with no commit announced, wakes the relay', () => {
    const e = echoes();
    expect(e.announced({ backendPid: 41, startedAt: 990 })).toBe(true);
    expect(e.notified(42)).toBe(true);
    expect(e.notified(43)).toBe(true);
    expect(e.notified(41)).toBe(false);
  });

  it('an announced commit whose NOTIFY has not come within the window no longer swallows one', () => {
    const e = echoes();
    expect(e.announced({ backendPid: 41, startedAt: 990 })).toBe(true);
    now += ECHO_WINDOW_MS + 1;
    expect(e.notified(41)).toBe(true);
  });

  it('after `forget` (the connection was lost), nothing announced before swallows a NOTIFY', () => {
    const e = echoes();
    expect(e.announced({ backendPid: 41, startedAt: 990 })).toBe(true);
    e.forget();
    expect(e.notified(41)).toBe(true);
  });

  it('each pair is matched once: two commits on one backend, each kick followed by its NOTIFY, wake the relay twice', () => {
    const e = echoes();
    const wakeUps = [e.announced({ backendPid: 7, startedAt: 999 }), e.notified(7), e.announced({ backendPid: 7, startedAt: 1_000 }), e.notified(7)].filter(Boolean);
    expect(wakeUps).toHaveLength(2);
  });

  it('keeps a bounded memory of backends: thousands of other replicas’ NOTIFYs are forgotten once past the window', () => {
    const e = echoes();
    for (let pid = 1; pid <= 5_000; pid += 1) {
      expect(e.notified(pid)).toBe(true);
      now += 1;
    }
    const remembered = (e as unknown as { unannounced: Map<number, number> }).unannounced.size;
    // One NOTIFY a millisecond here: the window's worth of backends, and at most 256 more between prunes.
    expect(remembered).toBeLessThanOrEqual(ECHO_WINDOW_MS + 1 + 256);
  });
});
