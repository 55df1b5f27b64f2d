import type { Logger } from 'pino';
import type { DataSource, EntityManager } from 'typeorm';
import { NotificationAcknowledgmentSentV1, NotificationDeliveryFailedV1 } from '@tss/contracts';
import type { Outbox } from '@tss/messaging';
import { inTransaction } from '@tss/persistence';
import type { Clock } from '@tss/service-kit';
import type { FiredTimer, TimerBatchHandler, TimerHandler, TimerStore } from '@tss/timers';
import { MAIL_MAX_ATTEMPTS, mailRetryDelayMs, type SendOutcome } from '../domain/mail-delivery';
import { acknowledgmentStore } from '../store/acknowledgment.store';
import { mailStore, type MailRow } from '../store/mail.store';
import { MAIL_SEND_TIMER, mailAttemptTimerId } from './mail-queue';
import type { MailTransport } from './mail-transport';
import { mailMetrics } from './mail-metrics';

export interface MailSenderDeps {
  dataSource: DataSource;
  timers: TimerStore;
  outbox: Outbox;
  clock: Clock;
  logger: Logger;
  transport: MailTransport;
  from: string;
  /** Sends at once at most; the rest wait in memory (their timers stay armed if the process dies). */
  concurrency?: number;
}

/**
 * Sends mail at least once, without holding a transaction across SMTP (docs/adr/0035-mail.md):
 *  1. the `mail.send` timer handler, in its firing transaction, counts the attempt and arms the
 *     next attempt's timer (the retry, should this one never be recorded), then hands the mail on;
 *  2. the send waits for that transaction to commit (it locks the row the handler updated), checks
 *     the attempt is still the one counted, and talks SMTP outside any transaction;
 *  3. a short transaction records the outcome: sent (cancels the retry, publishes
 *     `notification.acknowledgment_sent` for an acknowledgment), failed for good on a 5xx
 *     (`notification.delivery_failed`), or a transient error, left to the armed retry.
 */
export class MailSender {
  private readonly queue: { mailId: string; attempt: number }[] = [];
  private running = 0;
  private readonly idle: (() => void)[] = [];
  private stopped = false;

  constructor(private readonly deps: MailSenderDeps) {}

  /**
   * A fired batch of `mail.send` timers in its one firing transaction (issue #15): the mails locked
   * in one statement, their attempts counted in one, their next attempts' timers armed in one.
   */
  readonly batchTimerHandler: TimerBatchHandler = async (timers: readonly FiredTimer[], tx: EntityManager) => {
    const ids = [...new Set(timers.map((t) => (t.payload as { mailId?: unknown } | null)?.mailId).filter((id): id is string => typeof id === 'string'))];
    const mails = (await mailStore.lockAll(tx, ids)).filter((mail) => mail.status === 'pending');
    if (mails.length === 0) return;
    const now = this.deps.clock.now();
    const starting: { id: string; attempt: number }[] = [];
    for (const mail of mails) {
      const attempt = mail.attempts + 1;
      if (attempt > MAIL_MAX_ATTEMPTS) {
        await this.fail(tx, mail, `gave up after ${mail.attempts} attempts: ${mail.lastError ?? 'no answer recorded'}`, now);
        mailMetrics().failed.inc({ kind: mail.kind, reason: 'attempts_spent' });
      } else starting.push({ id: mail.id, attempt });
    }
    await mailStore.startAttempts(tx, starting);
    await this.deps.timers.scheduleAll(
      tx,
      starting.map(({ id, attempt }) => ({ id: mailAttemptTimerId(id, attempt + 1), kind: MAIL_SEND_TIMER, dueAt: new Date(now.getTime() + mailRetryDelayMs(attempt)), payload: { mailId: id } })),
    );
    for (const { id, attempt } of starting) this.enqueue(id, attempt);
  };

  /** One timer: the batch handler with a batch of one. */
  readonly timerHandler: TimerHandler = (timer: FiredTimer, tx: EntityManager) => this.batchTimerHandler([timer], tx);

  /** Resolves once nothing is being sent or waiting (tests, shutdown). */
  async drain(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return;
    await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.length = 0;
    await this.drain();
    this.deps.transport.close();
  }

  private enqueue(mailId: string, attempt: number): void {
    if (this.stopped) return; // its retry timer is armed: another replica, or the next start, sends it
    this.queue.push({ mailId, attempt });
    this.pump();
  }

  private pump(): void {
    while (this.running < (this.deps.concurrency ?? 4) && this.queue.length > 0) {
      const next = this.queue.shift()!;
      this.running += 1;
      void this.attempt(next.mailId, next.attempt)
        .catch((error: unknown) => this.deps.logger.warn({ err: error, mailId: next.mailId }, 'mail attempt not recorded; its retry timer will send it'))
        .finally(() => {
          this.running -= 1;
          this.pump();
          if (this.running === 0 && this.queue.length === 0) for (const resolve of this.idle.splice(0)) resolve();
        });
    }
  }

  private async attempt(mailId: string, attempt: number): Promise<void> {
    // Waits for the firing transaction (it holds the row) and sees what it committed.
    const mail = await inTransaction(this.deps.dataSource, (tx) => mailStore.lock(tx, mailId));
    if (!mail || mail.status !== 'pending' || mail.attempts !== attempt) return; // rolled back, or already settled
    const outcome = await this.deps.transport.send({
      from: this.deps.from,
      to: mail.recipient,
      subject: mail.subject,
      text: mail.textBody,
      html: mail.htmlBody,
      messageId: mail.messageId,
      ...(mail.inReplyTo ? { inReplyTo: mail.inReplyTo, references: [mail.inReplyTo] } : {}),
    });
    await inTransaction(this.deps.dataSource, (tx) => this.record(tx, mailId, attempt, outcome));
  }

  private async record(tx: EntityManager, mailId: string, attempt: number, outcome: SendOutcome): Promise<void> {
    const mail = await mailStore.lock(tx, mailId);
    if (!mail || mail.status !== 'pending') return;
    const now = this.deps.clock.now();
    const log = this.deps.logger.child({ mailId, ticketId: mail.ticketId, kind: mail.kind, attempt });
    switch (outcome.kind) {
      case 'sent':
        await mailStore.markSent(tx, mailId, { at: now, transport: this.deps.transport.name, response: outcome.response });
        await this.deps.timers.cancel(tx, mailAttemptTimerId(mailId, attempt + 1));
        if (mail.kind === 'acknowledgment' && mail.ticketId && mail.partnerId) {
          // P3: handed to SMTP, so the request counts as accepted (intake applies it).
          const ack = await acknowledgmentStore.findForTicket(tx, mail.ticketId);
          await this.deps.outbox.add(tx, NotificationAcknowledgmentSentV1, mail.ticketId, {
            partnerId: mail.partnerId,
            reference: ack?.reference ?? referenceIn(mail),
            channel: ack?.channel ?? 'email',
            sentAt: now.toISOString(),
          });
        }
        log.info({ transport: this.deps.transport.name }, 'mail sent');
        mailMetrics().sent.inc({ kind: mail.kind });
        return;
      case 'permanent':
        await this.deps.timers.cancel(tx, mailAttemptTimerId(mailId, attempt + 1));
        await this.fail(tx, mail, outcome.reason, now);
        mailMetrics().failed.inc({ kind: mail.kind, reason: 'refused' });
        log.warn({ reason: outcome.reason }, 'mail refused for good');
        return;
      case 'transient':
        await mailStore.recordError(tx, mailId, outcome.reason);
        log.info({ reason: outcome.reason, retryInMs: mailRetryDelayMs(attempt) }, 'mail not sent; retrying later');
        return;
    }
  }

  private async fail(tx: EntityManager, mail: MailRow, reason: string, now: Date): Promise<void> {
    await mailStore.markFailed(tx, mail.id, { at: now, reason });
    await this.deps.outbox.add(tx, NotificationDeliveryFailedV1, mail.ticketId ?? mail.id, {
      ...(mail.partnerId ? { partnerId: mail.partnerId } : {}),
      kind: `mail.${mail.kind}`,
      attempts: mail.attempts,
      reason: reason.slice(0, 1_000),
      failedAt: now.toISOString(),
    });
  }
}

/** The reference leads every subject of ours (`[TSS-…] …`). */
const referenceIn = (mail: MailRow): string => /^\[([^\]]+)\]/.exec(mail.subject)?.[1] ?? '';
