import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { Clock } from '@tss/service-kit';
import type { TimerStore } from '@tss/timers';
import { instanceStore } from '../store/instance.store';
import { mailStore } from '../store/mail.store';
import { webhookDeliveryStore } from '../store/webhook-delivery.store';
import { instanceMetrics, type TakenBackKind } from './instance-metrics';
import { MAIL_ATTEMPT_TIMER_ID_PREFIX } from './mail-queue';
import type { NotificationInstance } from './notification-instance';
import { ATTEMPT_TIMER_ID_PREFIX } from './webhook-queue';

export interface InstanceLivenessDeps {
  dataSource: DataSource;
  instance: NotificationInstance;
  timers: TimerStore;
  /** Domain time: a taken-back attempt's timer is due at its `now`. Liveness itself is the database's clock. */
  clock: Clock;
  logger: Logger;
  /** Real milliseconds between beats (each followed by a sweep). */
  heartbeatMs: number;
  /** An instance whose last beat is older than this (by the database's clock) is dead: its work is taken back. */
  takeBackAfterMs: number;
  /** Rows of silent instances are kept this long (by the database's clock) for diagnosis, then pruned. Default 1 h. */
  keepSilentMs?: number;
}

/** What one sweep took back, by kind. */
export type TakenBack = Record<TakenBackKind, number>;

/** Mails or deliveries taken back by one statement at most; a full one is followed by another at once. */
const TAKE_BACK_BATCH = 500;
const KEEP_SILENT_MS = 60 * 60_000;

/**
 * Keeps this instance registered and beating, and takes back the work of instances that stopped
 * (docs/adr/0035 and 0034, addenda of 2026-12-04, seventh session), as Sidekiq's heartbeat and
 * Oban's producer records do:
 *  - every `heartbeatMs` it beats its row (`heartbeat_at = now()`, the database's clock), then
 *    sweeps: attempts and claims of instances silent for `takeBackAfterMs`, or whose row is gone,
 *    have their timers re-targeted to now, so the usual retry path sends them;
 *  - every live instance sweeps; a sweep is one indexed statement per kind that waits for nothing
 *    (`SKIP LOCKED`), so two sweeps take a piece of work back once;
 *  - rows of instances silent for an hour are pruned;
 *  - stopping (after the senders drained and recorded their sends) deletes the row, so what it
 *    still holds is taken back at once by the others.
 * No advisory or session locks: PgBouncer in transaction mode keeps no session.
 */
export class InstanceLiveness {
  private running = false;
  private loopDone?: Promise<void>;
  private wakeUp?: () => void;
  private failures = 0;

  constructor(private readonly deps: InstanceLivenessDeps) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  /** Stops beating and sweeping, then removes the row: call it once this instance's sends are drained and recorded. */
  async stop(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loopDone;
    this.deps.instance.markUnregistered();
    try {
      await instanceStore.remove(this.deps.dataSource, this.deps.instance.id);
    } catch (error) {
      // Its row then ages out: the others take back what it holds once it is older than takeBackAfterMs.
      this.deps.logger.warn({ err: error, instanceId: this.deps.instance.id }, 'notification instance row not removed at stop; others take back its work once its heartbeat is old');
    }
  }

  /** Registers the row, or beats it. */
  async beat(): Promise<void> {
    const { instance, logger, takeBackAfterMs } = this.deps;
    const wasRegistered = instance.workId !== null;
    const { sincePreviousMs } = await instanceStore.beat(this.deps.dataSource, instance);
    if (sincePreviousMs === null && wasRegistered) {
      logger.warn({ instanceId: instance.id }, 'this notification instance had no row (pruned or removed): registered again; what it held was taken back by the others');
    } else if (sincePreviousMs !== null && sincePreviousMs > takeBackAfterMs) {
      logger.warn({ instanceId: instance.id, sincePreviousMs, takeBackAfterMs }, 'this notification instance did not beat for longer than NOTIFICATION_TAKE_BACK_AFTER_MS: the others may have taken back its sends');
    }
    if (!wasRegistered) {
      instance.markRegistered();
      logger.info({ instanceId: instance.id, host: instance.host, pid: instance.pid }, 'notification instance registered');
    }
  }

  /** Takes back the work of dead instances, then prunes rows of long-silent ones; returns what was taken back. */
  async sweep(): Promise<TakenBack> {
    const mail = await this.takeBackMail();
    const webhook = await this.takeBackWebhooks();
    const pruned = await instanceStore.pruneSilent(this.deps.dataSource, this.deps.keepSilentMs ?? KEEP_SILENT_MS);
    if (pruned.length > 0) this.deps.logger.info({ instanceIds: pruned }, 'rows of silent notification instances pruned');
    return { mail, webhook };
  }

  private async takeBackMail(): Promise<number> {
    let total = 0;
    for (;;) {
      const taken = await mailStore.takeBackAttemptsOfDeadInstances(this.deps.dataSource, {
        deadAfterMs: this.deps.takeBackAfterMs,
        now: this.deps.clock.now(),
        timerSchema: this.deps.timers.schema,
        timerIdPrefix: MAIL_ATTEMPT_TIMER_ID_PREFIX,
        limit: TAKE_BACK_BATCH,
      });
      if (taken.length === 0) return total;
      total += taken.length;
      this.tookBack('mail', taken.map((t) => ({ id: t.id, instanceId: t.instanceId })), { mails: taken.map((t) => ({ mailId: t.id, kind: t.kind, attempt: t.attempt })) });
      if (taken.length < TAKE_BACK_BATCH) return total;
    }
  }

  private async takeBackWebhooks(): Promise<number> {
    let total = 0;
    for (;;) {
      const taken = await webhookDeliveryStore.takeBackClaimsOfDeadInstances(this.deps.dataSource, {
        deadAfterMs: this.deps.takeBackAfterMs,
        now: this.deps.clock.now(),
        timerSchema: this.deps.timers.schema,
        timerIdPrefix: ATTEMPT_TIMER_ID_PREFIX,
        limit: TAKE_BACK_BATCH,
      });
      if (taken.length === 0) return total;
      total += taken.length;
      this.tookBack('webhook', taken, { deliveries: taken.map((t) => ({ deliveryId: t.id, endpointId: t.endpointId, attempt: t.attempt })) });
      if (taken.length < TAKE_BACK_BATCH) return total;
    }
  }

  private tookBack(kind: TakenBackKind, taken: readonly { id: string; instanceId: string }[], details: Record<string, unknown>): void {
    instanceMetrics().takenBack.inc({ kind }, taken.length);
    this.deps.logger.info(
      { kind, count: taken.length, fromInstanceIds: [...new Set(taken.map((t) => t.instanceId))], takenBackAfterMs: this.deps.takeBackAfterMs, ...details },
      `taken back from notification instances that stopped beating: ${taken.length} ${kind === 'mail' ? 'mail attempt(s)' : 'webhook claim(s)'}, sent again now`,
    );
  }

  private async loop(): Promise<void> {
    while (this.running) {
      try {
        await this.beat();
        // Only an instance that can beat judges the others: one cut off from the database may be the dead one.
        await this.sweep();
        if (this.failures > 0) this.deps.logger.info({ failures: this.failures }, 'notification instance beats again');
        this.failures = 0;
      } catch (error) {
        this.failures += 1;
        this.deps.logger[this.failures === 1 ? 'warn' : 'debug']({ err: error, failures: this.failures }, 'notification instance could not beat or sweep; will retry');
      }
      if (!this.running) break;
      await this.sleep(this.deps.heartbeatMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
      function done() {
        clearTimeout(timer);
        resolve();
      }
    }).then(() => {
      this.wakeUp = undefined;
    });
  }
}
