import { instancesPart } from '../src/parts/instances.part';

describe('instance liveness settings (docs/adr/0035, addendum of 2026-12-04, seventh session)', () => {
  it('NOTIFICATION_TAKE_BACK_AFTER_MS below three beats fails the start, named: a live instance would be taken for dead between beats', () => {
    expect(instancesPart.configProblems?.({ NOTIFICATION_HEARTBEAT_MS: 5_000, NOTIFICATION_TAKE_BACK_AFTER_MS: 30_000 })).toEqual([]);
    expect(instancesPart.configProblems?.({ NOTIFICATION_HEARTBEAT_MS: 5_000, NOTIFICATION_TAKE_BACK_AFTER_MS: 10_000 })).toEqual([
      'NOTIFICATION_TAKE_BACK_AFTER_MS (10000) must be at least 3 × NOTIFICATION_HEARTBEAT_MS (5000): a live instance would be taken for dead between two beats',
    ]);
  });
});
