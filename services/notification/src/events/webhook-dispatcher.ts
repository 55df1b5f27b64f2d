import { randomUUID } from 'node:crypto';
import { SpanStatusCode } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { UnitOfWork } from '@tss/messaging';
import { listen, type Listening } from '@tss/persistence';
import { contextFromCarrier, inSpan, SpanKind, type Clock } from '@tss/service-kit';
import type { TimerStore } from '@tss/timers';
import { signingSecrets } from '../domain/webhook-endpoint';
import { webhookBodyFor, type LinkReceiver } from '../domain/webhook-link-secrets';
import { signatureHeader } from '../domain/webhook-signature';
import type { WebhookRequest } from '../http/webhook-sender';
import { webhookDeliveryStore, type ClaimedDelivery } from '../store/webhook-delivery.store';
import { recordWebhookAttempt, recordWebhookSuccesses, succeeded, type RecordDeps, type SendOutcome } from '../use-cases/record-webhook-attempt';
import { logFailedAttempt } from './webhook-attempt-log';
import { webhookMetrics } from './webhook-metrics';
import { WEBHOOK_READY_CHANNEL } from '../use-cases/webhook-queue';
import type { SecretBox } from '../use-cases/webhook-secrets';
import type { NotificationInstance } from '../use-cases/notification-instance';
import { UnrecordedWebhookResults, type AnsweredWebhookAttempt, type UnrecordedWebhookResult } from '../use-cases/webhook-unrecorded-results';

export interface DispatcherOptions extends RecordDeps {
  dataSource: DataSource;
  unitOfWork: UnitOfWork;
  clock: Clock;
  logger: Logger;
  timers: TimerStore;
  send: (request: WebhookRequest) => Promise<SendOutcome>;
  /** Opens the sealed signing secrets (docs/adr/0042). */
  secrets: SecretBox;
  /**
   * This process's instance: each claim names it, so a live instance takes the claim back at once
   * if this one stops beating mid-attempt (docs/adr/0034, addendum of 2026-12-04, seventh session);
   * the loop claims nothing before its row is registered. None: claims name no instance, and only
   * the watchdog ends one whose process died.
   */
  instance?: NotificationInstance;
  /** Attempts in flight at once to one endpoint: a slow endpoint holds only its own slots. */
  perEndpoint: number;
  /** Attempts in flight at once in this process. */
  maxInFlight: number;
  /** Fallback look for ready deliveries after a lost notification (real milliseconds). */
  pollMs?: number;
  random?: () => number;
  /** Real milliseconds before a result the database did not take is tried again (doubling to 10 s); default 500. */
  recordRetryMs?: number;
  /** Results the database did not take kept in memory at most; one more is left to its watchdog. Default 10,000. */
  unrecordedLimit?: number;
  /** How long a stop's last try at recording them may take (real milliseconds); default 2,000. */
  stopGraceMs?: number;
}

/** Successful attempts recorded in one transaction at most. */
const SUCCESS_BATCH = 500;
const MAX_RECORD_RETRY_MS = 10_000;

/**
 * Sends ready deliveries (docs/adr/0034-webhooks.md). A claim commits before the HTTP call, the
 * result is recorded in a transaction of its own after it: no transaction stays open across the
 * network. The delivery's timer is its watchdog (timeout + 1 min after the attempt began: when it
 * fires earlier, the attempt is found alive and the timer re-armed); a sender that dies mid-attempt
 * leaves the delivery `in_flight`, and the watchdog makes it ready again, so a crash
 * never loses a delivery (it may send it twice: receivers dedupe by `webhook-id`). A claim names
 * this process's instance: when the instance stops beating, a live one takes the claim back within
 * seconds (`InstanceLiveness`), long before the watchdog. A result the database does not take (a
 * pool out of connections, an outage) is kept in memory and recorded once it answers
 * (`UnrecordedWebhookResults`), not left to the watchdog: a success is not sent again.
 */
export class WebhookDispatcher {
  private running = false;
  private loopDone?: Promise<void>;
  private wakeUp?: () => void;
  private kicked = false;
  /** WEBHOOK_READY_CHANNEL, on the process's shared listening connection (docs/adr/0089). */
  private listener?: Listening;
  /** Attempts whose request is out: the process's slots (`maxInFlight`). */
  private readonly inFlight = new Set<Promise<void>>();
  /** Attempts answered (or failed) whose result is still being recorded, by endpoint. */
  private readonly answered = new Map<string, number>();
  private readonly recording = new Set<Promise<void>>();
  private readonly successes: UnrecordedWebhookResult[] = [];
  private flushing?: Promise<void>;
  private readonly unrecorded: UnrecordedWebhookResults;
  private stopping = false;

  constructor(private readonly options: DispatcherOptions) {
    this.unrecorded = new UnrecordedWebhookResults({
      logger: options.logger,
      record: (results) => this.recordKept(results),
      limit: options.unrecordedLimit ?? 10_000,
      retryMs: options.recordRetryMs ?? 500,
      maxRetryMs: MAX_RECORD_RETRY_MS,
    });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loopDone;
    await Promise.allSettled([...this.inFlight]);
    await this.flushing;
    this.stopping = true;
    // Results the database did not take: one last try, then they are logged at error level (their
    // claims stay this instance's: a live one takes them back once its row is gone, or the watchdogs).
    for (const lost of await this.unrecorded.stop(this.options.stopGraceMs ?? 2_000)) lost.done(false);
    await Promise.allSettled([...this.recording]);
    await this.closeListener();
  }

  wake(): void {
    this.kicked = true;
    this.wakeUp?.();
  }

  /** Claims what it can and starts sending it; returns how many were claimed. */
  async dispatchReady(): Promise<number> {
    const room = this.options.maxInFlight - this.inFlight.size;
    if (room <= 0) return 0;
    const now = this.options.clock.now();
    const token = randomUUID();
    // One statement outside any transaction: the claim commits at once, with its endpoints read
    // (issue #15). It writes no event, so it does not go through the unit of work (whose commits
    // wake the outbox relay). An attempt answered here is no longer in flight to its endpoint,
    // though its row is until its result is recorded (docs/adr/0055).
    const { claimed, endpoints } = await webhookDeliveryStore.claimReady(this.options.dataSource, {
      now,
      limit: room,
      perEndpoint: this.options.perEndpoint,
      token,
      answered: this.answered,
      instanceId: this.options.instance?.workId ?? null,
    });
    if (claimed.length === 0) return 0;
    // Each endpoint's secrets opened once per claim.
    const signing = new Map<string, { url: string; receiver: LinkReceiver; secrets: string[] }>();
    for (const endpoint of endpoints.values()) {
      signing.set(endpoint.id, { url: endpoint.url, receiver: endpoint, secrets: await Promise.all(signingSecrets(endpoint, now).map((s) => this.options.secrets.open(s))) });
    }
    const timestampSeconds = Math.floor(now.getTime() / 1_000);
    const jobs: { claimed: ClaimedDelivery; request: WebhookRequest }[] = [];
    for (const c of claimed) {
      const endpoint = signing.get(c.endpointId);
      if (!endpoint) continue;
      // Decided at send, on every path (event, replay, retry): the body signed is the body sent.
      const body = webhookBodyFor(endpoint.receiver, c.body);
      jobs.push({
        claimed: c,
        request: { url: endpoint.url, messageId: c.messageId, timestampSeconds, body, signature: signatureHeader(endpoint.secrets, c.messageId, timestampSeconds, body) },
      });
    }
    for (const job of jobs) {
      const p: Promise<void> = this.attempt(job.claimed, job.request).finally(() => {
        this.inFlight.delete(p);
        this.wake(); // a slot is free, on this endpoint and in this process
      });
      this.inFlight.add(p);
    }
    return jobs.length;
  }

  /**
   * Sends one attempt; its slot is free once the endpoint answered (or the attempt failed), while
   * the result is recorded (docs/adr/0055). Until then the claim leaves it out of its endpoint's
   * count, so the endpoint's next delivery need not wait for the record's commit.
   */
  private async attempt(claimed: ClaimedDelivery, request: WebhookRequest): Promise<void> {
    const outcome = await this.send(claimed, request);
    const endpoint = claimed.endpointId;
    this.answered.set(endpoint, (this.answered.get(endpoint) ?? 0) + 1);
    const recorded: Promise<void> = this.record(claimed, request.url, outcome).finally(() => {
      const left = (this.answered.get(endpoint) ?? 1) - 1;
      if (left > 0) this.answered.set(endpoint, left);
      else this.answered.delete(endpoint);
      this.recording.delete(recorded);
    });
    this.recording.add(recorded);
  }

  private async send(claimed: ClaimedDelivery, request: WebhookRequest): Promise<SendOutcome> {
    // One CLIENT span per attempt, in the trace of the event that queued the delivery (DESIGN "Observability").
    const outcome = await inSpan(
      'webhook attempt',
      {
        kind: SpanKind.CLIENT,
        parent: contextFromCarrier(claimed.trace),
        attributes: { 'webhook.delivery_id': claimed.id, 'webhook.endpoint_id': claimed.endpointId, 'webhook.id': claimed.messageId, 'webhook.attempt': claimed.attempts },
      },
      async (span) => {
        const result = await this.options.send(request);
        if (result.statusCode !== undefined) span.setAttribute('http.response.status_code', result.statusCode);
        if (!succeeded(result)) span.setStatus({ code: SpanStatusCode.ERROR, message: result.error ?? 'failed' });
        return result;
      },
    );
    webhookMetrics().latency.observe({ success: String(succeeded(outcome)) }, outcome.latencyMs / 1_000);
    return outcome;
  }

  private async record(claimed: ClaimedDelivery, url: string, outcome: SendOutcome): Promise<void> {
    const answered: AnsweredWebhookAttempt = { claimed, url, outcome, answeredAt: this.options.clock.now() };
    // Successes are recorded together, a batch per transaction (issue #15).
    if (succeeded(outcome)) {
      if (await this.recordSuccess(answered)) webhookMetrics().attempts.inc({ result: 'succeeded' });
      return;
    }
    try {
      await this.recordFailure(answered);
    } catch (error) {
      await new Promise<boolean>((done) => this.keepUnrecorded({ ...answered, done }, error));
    }
  }

  /** A failed attempt's record, in its own transaction: its retry counts from when it failed. */
  private async recordFailure(answered: AnsweredWebhookAttempt): Promise<void> {
    const random = (this.options.random ?? Math.random)();
    const record = await this.options.unitOfWork.run((tx) => recordWebhookAttempt(tx, this.options, answered.claimed, answered.outcome, answered.answeredAt, random));
    webhookMetrics().attempts.inc({ result: record.became });
    logFailedAttempt(this.options.logger, answered.claimed, answered.url, answered.outcome, record);
  }

  /** Queues a success for the next batch; resolves once it is recorded (true), or its claim was lost or it was given up (false). */
  private recordSuccess(answered: AnsweredWebhookAttempt): Promise<boolean> {
    return new Promise<boolean>((done) => {
      this.successes.push({ ...answered, done });
      this.flushing ??= this.flushSuccesses().finally(() => {
        this.flushing = undefined;
      });
    });
  }

  /** Records the queued successes, a batch per transaction, until none wait: those arriving meanwhile form the next batch. */
  private async flushSuccesses(): Promise<void> {
    while (this.successes.length > 0) {
      const batch = this.successes.splice(0, SUCCESS_BATCH);
      try {
        await this.recordSuccessBatch(batch);
      } catch (error) {
        // Kept until the database answers: left in flight, their watchdogs would send them again.
        for (const result of batch) this.keepUnrecorded(result, error);
      }
    }
  }

  /** One batch of successes in one statement; each is done: recorded, or its claim lost (taken back meanwhile). */
  private async recordSuccessBatch(batch: readonly UnrecordedWebhookResult[]): Promise<void> {
    const recorded = await recordWebhookSuccesses(this.options.dataSource, this.options, batch, this.options.clock.now());
    for (const result of batch) {
      if (!recorded.has(result.claimed.id)) webhookMetrics().attempts.inc({ result: 'claim_lost' });
      result.done(recorded.has(result.claimed.id));
    }
  }

  /** Kept to record once the database answers; past the limit (or stopping), left in flight to its watchdog as before. */
  private keepUnrecorded(result: UnrecordedWebhookResult, error: unknown): void {
    if (this.unrecorded.keep(result, error)) return;
    this.options.logger[this.stopping ? 'error' : 'warn'](
      { err: error, deliveryId: result.claimed.id, messageId: result.claimed.messageId, succeeded: succeeded(result.outcome), kept: this.unrecorded.size },
      'webhook result not recorded; its watchdog will send it again',
    );
    result.done(false);
  }

  /**
   * Results the database did not take when they came, recorded now: the successes first, in
   * batches, then each failure in its own transaction. The first record that fails ends this try
   * (the database most likely still does not answer); the rest wait for the next. Answers those
   * not recorded; each recorded one is done.
   */
  private async recordKept(results: readonly UnrecordedWebhookResult[]): Promise<readonly UnrecordedWebhookResult[]> {
    const successes = results.filter((r) => succeeded(r.outcome));
    const steps: { results: readonly UnrecordedWebhookResult[]; record: () => Promise<void> }[] = [];
    for (let i = 0; i < successes.length; i += SUCCESS_BATCH) {
      const batch = successes.slice(i, i + SUCCESS_BATCH);
      steps.push({ results: batch, record: () => this.recordSuccessBatch(batch) });
    }
    for (const failure of results.filter((r) => !succeeded(r.outcome))) {
      steps.push({
        results: [failure],
        record: async () => {
          await this.recordFailure(failure);
          failure.done(true);
        },
      });
    }
    for (const [i, step] of steps.entries()) {
      try {
        await step.record();
      } catch (error) {
        if (i === 0) throw error;
        return steps.slice(i).flatMap((s) => s.results);
      }
    }
    return [];
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (this.running) {
      this.kicked = false;
      const instance = this.options.instance;
      if (instance && instance.workId === null) {
        // A claim names its instance only once the instance's row is committed (a claim naming an
        // instance without one would be taken back at once, mid-attempt): wait for it, or a stop.
        await Promise.race([instance.whenRegistered(), this.sleep(1_000)]);
        this.wakeUp?.();
        continue;
      }
      try {
        await this.openListener();
        const claimed = await this.dispatchReady();
        failures = 0;
        if (claimed > 0 && this.inFlight.size < this.options.maxInFlight) continue;
      } catch (error) {
        failures += 1;
        await this.closeListener();
        this.options.logger[failures === 1 ? 'warn' : 'debug']({ err: error, failures }, 'webhook dispatcher could not reach the database; will retry');
      }
      if (!this.running) break;
      if (this.kicked) continue;
      await this.sleep(failures > 0 ? Math.min(5_000, 100 * 2 ** Math.min(failures, 6)) : (this.options.pollMs ?? 5_000));
    }
  }

  private async openListener(): Promise<void> {
    if (this.listener?.usable) return;
    await this.closeListener();
    const url = (this.options.dataSource.options as { url?: unknown }).url;
    if (typeof url !== 'string') return; // without a url: the fallback poll alone
    this.listener = await listen({ url, channel: WEBHOOK_READY_CHANNEL, logger: this.options.logger, onNotify: () => this.wake() });
  }

  private async closeListener(): Promise<void> {
    const listener = this.listener;
    this.listener = undefined;
    await listener?.close();
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
