import type { Logger } from 'pino';
import type { DataSource, EntityManager } from 'typeorm';
import { NotificationAcknowledgmentSentV1, NotificationDeliveryFailedV1, toStorableText } from '@tss/contracts';
import { outboxDraft } from '@tss/messaging';
import type { Outbox, OutboxDraft } from '@tss/messaging';
import { GroupCommit, GroupRead, inTransaction } from '@tss/persistence';
import { contextFromCarrier, inSpan, otelContext, SpanKind, traceCarrierOf, type Clock, type TraceCarrier } from '@tss/service-kit';
import type { FiredTimer, TimerBatchHandler, TimerHandler, TimerStore } from '@tss/timers';
import { autoSubmittedOf, countedAttempts, MAIL_MAX_ATTEMPTS, mailRetryDelayMs, sessionRetryDelayMs, threadHeadersOf, type SendOutcome } from '../domain/mail-delivery';
import { decideHeldMail } from '../domain/mail-ticket-line';
import { mailStore, type MailRow, type SqlFragmentAt } from '../store/mail.store';
import { MAIL_ATTEMPT_TIMER_ID_PREFIX, MAIL_SEND_TIMER, mailAttemptTimerId } from './mail-queue';
import { SmtpSessionWatch } from './mail-session-watch';
import { MessageHandover, type MailTransport } from './mail-transport';
import { mailMetrics } from './mail-metrics';
import { UnrecordedAttempts, type UnrecordedAttempt } from './mail-unrecorded-attempts';
import type { NotificationInstance } from './notification-instance';

export interface MailSenderDeps {
  dataSource: DataSource;
  timers: TimerStore;
  outbox: Outbox;
  clock: Clock;
  logger: Logger;
  transport: MailTransport;
  from: string;
  /**
   * This process's instance: each attempt names it, so a live instance takes the attempt back at
   * once if this one stops beating mid-send (docs/adr/0035, addendum of 2026-12-04, seventh
   * session). None: attempts name no instance, and only `attemptBoundMs` ends one whose process died.
   */
  instance?: NotificationInstance;
  /** Sends at once at most; the rest wait in memory (their timers stay armed if the process dies). */
  concurrency?: number;
  /**
   * How long one attempt may wait for the server (the transport's timeouts; RFC 5321 §4.5.3.2
   * gives the end of DATA 10 minutes): the next attempt is armed no sooner, so a slow server's
   * mail is not sent again beside the attempt still waiting for its answer. Default 0.
   */
  attemptBoundMs?: number;
  /**
   * How long a send may take before it is given up as stuck (the transport never answered):
   * logged as an error, counted (`tss_mail_sends_stuck_total`), recorded as a transient failure.
   * Default `attemptBoundMs` plus a minute; none without `attemptBoundMs`.
   */
  stuckAfterMs?: number;
  /**
   * How long stopping waits for sends whose message the server has not taken yet (connecting,
   * greeting, envelope: milliseconds on a healthy server) before it cuts them short; nothing of
   * theirs was delivered, so their retries send them once. Default 2 s, and never past `stopBudgetMs`.
   */
  stopGraceMs?: number;
  /**
   * How long stopping may wait, in all, for sends whose message the server is taking (past DATA):
   * cut short, such a mail may arrive twice. The process's stop budget less what the rest of the
   * stop needs (`mailStopBudgetMs`). Default `stopGraceMs`.
   */
  stopBudgetMs?: number;
  /**
   * Real milliseconds before attempts whose outcome the database did not take are recorded again
   * (doubling to 10 s while it does not answer). Default 500 ms.
   */
  recordRetryMs?: number;
  /** Such attempts kept in memory at most; one more is left to its armed retry timer. Default 10,000. */
  unrecordedLimit?: number;
}

/**
 * What a stop needs after the mail sender, within SHUTDOWN_TIMEOUT_MS: the other background work and
 * the relay (which waits up to 2 s for a broker, OUTBOX_RELAY_STOP_GRACE_MS), then the transport, the
 * pools and, in single-process mode, the embedded PostgreSQL (docs/adr/0035, addendum of 2026-12-05).
 */
export const MAIL_STOP_RESERVE_MS = 3_000;

/** `stopBudgetMs` of a process that has `shutdownTimeoutMs` (SHUTDOWN_TIMEOUT_MS) to stop in. */
export const mailStopBudgetMs = (shutdownTimeoutMs: number): number => Math.max(0, shutdownTimeoutMs - MAIL_STOP_RESERVE_MS);

/** Why a send stopping cut short is recorded as a transient failure (its retry follows the usual delay). */
const INTERRUPTED = {
  notStarted: 'interrupted: the mail sender stopped (shutdown) before this attempt was started',
  beforeData: 'interrupted: the mail sender stopped (shutdown) before the server took the message',
  afterData:
    'interrupted: the mail sender stopped (shutdown) while the server was taking the message, and the stop budget ran out before its answer: the mail may arrive twice (same Message-ID)',
} as const;

/** Why an attempt that never read its committed row is recorded as a transient failure: nothing went to the server. */
const NOT_READ = 'not sent: the database did not answer before the send, so nothing was handed to the server';

/** Unrecorded attempts recorded in transactions of this many mails at most (as `GroupCommit`'s batches). */
const RECORD_CHUNK = 100;
const MAX_RECORD_RETRY_MS = 10_000;

/** A send in flight: where it stands against DATA, and how stopping ends its wait. */
interface SendInFlight {
  readonly handover: MessageHandover;
  interrupt(reason: string): void;
}

/**
 * Sends mail at least once, without holding a transaction across SMTP (docs/adr/0035-mail.md):
 *  1. the `mail.send` timer handler, in its firing transaction, counts the attempt and arms the
 *     next attempt's timer (the retry, should this one never be recorded), then hands the mail on;
 *  2. the send waits for that transaction to commit (one locking read of the row the handler
 *     updated, in a transaction of its own), checks the attempt is still the one counted, and
 *     talks SMTP outside any transaction;
 *  3. a short transaction records the outcome: sent (one statement marks it, cancels the retry and
 *     reads the acknowledgment; a second publishes
 *     `notification.acknowledgment_sent` for an acknowledgment), failed for good on a 5xx
 *     (`notification.delivery_failed`), or a transient error, left to the armed retry. Sent
 *     outcomes that finish while one is being recorded are recorded together in the next
 *     transaction (`GroupCommit`, docs/adr/0051): at 100 mails/s the round trips per mail, not
 *     SMTP, had set how many a replica could send.
 * When the database does not answer for step 2 or 3 (an outage), the attempt's outcome is kept in
 * memory and recorded once it answers (`UnrecordedAttempts`): one that never reached the server is
 * a transient failure retried after the usual delay, not at its bound (docs/adr/0035, addendum of
 * 2026-12-05, second session).
 */
export class MailSender {
  private readonly queue: { mailId: string; attempt: number; instanceId: string | null }[] = [];
  private running = 0;
  private readonly idle: (() => void)[] = [];
  private stopped = false;
  private readonly inFlight = new Set<SendInFlight>();
  private readonly sent = new GroupCommit<SentAttempt>((attempts) => this.recordAllSent(attempts));
  /** The mails of the sends that start together, read in one statement (issue #15). */
  private readonly reads = new GroupRead<string, MailRow & { parentInReplyTo: string | null }>((ids) => mailStore.readAllCommitted(this.deps.dataSource, ids));
  private readonly unrecorded: UnrecordedAttempts;
  /** Whether the server refuses our session, as this process last heard it. */
  private readonly session: SmtpSessionWatch;
  /** Held mails watched until the mail ahead of each settles (`watchBusyLines`; drains and stops wait for them). */
  private readonly lineWatches = new Set<Promise<void>>();
  /** The latest bringing forward of mail waiting for our session (a stop waits for it). */
  private bringingForward: Promise<void> = Promise.resolve();

  constructor(private readonly deps: MailSenderDeps) {
    this.session = new SmtpSessionWatch(deps.logger);
    this.unrecorded = new UnrecordedAttempts({
      logger: deps.logger,
      record: (attempts) => this.recordKept(attempts),
      limit: deps.unrecordedLimit ?? 10_000,
      retryMs: deps.recordRetryMs ?? 500,
      maxRetryMs: MAX_RECORD_RETRY_MS,
    });
  }

  /**
   * A fired batch of `mail.send` timers in its one firing transaction (issue #15): the mails locked
   * in one statement, their attempts counted in one, their next attempts' timers armed in one. A
   * held mail (queued behind an earlier mail of its ticket) is checked first, in one statement more
   * for the batch: still behind one that is pending, its timer is put off instead, and the attempt
   * is not counted (docs/adr/0035, addendum of 2026-12-05, seventh session).
   */
  readonly batchTimerHandler: TimerBatchHandler = async (timers: readonly FiredTimer[], tx: EntityManager) => {
    // Stopping: counting an attempt that is never made would put the mail off until its next timer.
    if (this.stopped) throw new Error('the mail sender is stopping: these timers fire again');
    const ids = [...new Set(timers.map((t) => (t.payload as { mailId?: unknown } | null)?.mailId).filter((id): id is string => typeof id === 'string'))];
    const mails = (await mailStore.lockAll(tx, ids)).filter((mail) => mail.status === 'pending');
    if (mails.length === 0) return;
    const now = this.deps.clock.now();
    // Read once for the batch: the attempts are counted under this id, and sent only while they still are.
    const instanceId = await this.workId();
    const due: MailRow[] = [];
    for (const mail of mails) {
      // Attempts refused for our session do not count (docs/adr/0035, addendum of 2026-12-05, seventh session).
      if (countedAttempts(mail) >= MAIL_MAX_ATTEMPTS) {
        await this.fail(tx, mail, `gave up after ${mail.attempts} attempts: ${mail.lastError ?? 'no answer recorded'}`, now);
        mailMetrics().failed.inc({ kind: mail.kind, reason: 'attempts_spent' });
      } else due.push(mail);
    }
    // Sent in the order their timers fired (earliest due first): mail brought forward together goes oldest first.
    const firedOrder = new Map(ids.map((id, i) => [id, i]));
    due.sort((a, b) => (firedOrder.get(a.id) ?? 0) - (firedOrder.get(b.id) ?? 0));
    // After the failures above: one of them may be the very mail a held one waits for.
    const { starting, putOff, busyAhead } = await this.placeHeld(tx, due, now);
    await mailStore.startAttempts(tx, starting, instanceId);
    await this.deps.timers.scheduleAll(tx, [
      ...starting.map(({ id, attempt, counted }) => ({ id: mailAttemptTimerId(id, attempt + 1), kind: MAIL_SEND_TIMER, dueAt: new Date(now.getTime() + this.armedRetryMs(counted)), payload: { mailId: id } })),
      // The same attempt's timer, not counted: the release brings it forward, or it looks again then.
      ...putOff.map(({ id, attempt, recheckAt }) => ({ id: mailAttemptTimerId(id, attempt), kind: MAIL_SEND_TIMER, dueAt: recheckAt, payload: { mailId: id } })),
    ]);
    for (const { id, attempt } of starting) this.enqueue(id, attempt, instanceId);
    this.watchBusyLines(busyAhead);
  };

  /**
   * The id this process's attempts name. Right after a start the instance's row may not be
   * registered yet (its beat starts after the mail part): an attempt counted then would name no
   * instance, and a `kill -9` mid-send would leave the mail to its attempt's bound (15 min) instead
   * of a live instance's take-back. So a batch waits for the registration, as the webhook
   * dispatcher's claims do, at most `REGISTRATION_WAIT_MS` (the database may be what holds it up).
   */
  private async workId(): Promise<string | null> {
    const instance = this.deps.instance;
    if (!instance || instance.workId !== null) return instance?.workId ?? null;
    const wait = timeout(REGISTRATION_WAIT_MS);
    try {
      await Promise.race([instance.whenRegistered(), wait.over]);
    } finally {
      wait.clear();
    }
    return instance.workId;
  }

  /**
   * Which of the due mails start an attempt now, and which held ones are put off (and until when):
   * a held mail starts once no earlier mail of its ticket is pending, or once it has waited
   * `MAIL_HOLD_MAX_MS` (a warning: it goes out of order).
   */
  private async placeHeld(
    tx: EntityManager,
    due: readonly MailRow[],
    now: Date,
  ): Promise<{ starting: { id: string; attempt: number; counted: number }[]; putOff: { id: string; attempt: number; recheckAt: Date }[]; busyAhead: string[] }> {
    const ahead = await mailStore.aheadInLine(tx, due.filter((mail) => mail.held).map((mail) => mail.id));
    const starting: { id: string; attempt: number; counted: number }[] = [];
    const putOff: { id: string; attempt: number; recheckAt: Date }[] = [];
    const busyAhead: string[] = [];
    for (const mail of due) {
      const attempt = mail.attempts + 1;
      if (!mail.held) {
        starting.push({ id: mail.id, attempt, counted: countedAttempts(mail) + 1 });
        continue;
      }
      const behind = ahead.get(mail.id) ?? { pending: 0, locked: 0 };
      const decision = decideHeldMail(mail.createdAt, behind, now);
      const log = this.deps.logger.child({ mailId: mail.id, ticketId: mail.ticketId, kind: mail.kind });
      if (decision.kind === 'hold') {
        putOff.push({ id: mail.id, attempt, recheckAt: decision.recheckAt });
        if (decision.busyAhead) busyAhead.push(mail.id);
        log.debug({ ahead: behind, recheckAt: decision.recheckAt }, 'mail held: an earlier mail of its ticket has not ended yet');
        continue;
      }
      if (decision.overdue) {
        log.warn({ ahead: behind, queuedAt: mail.createdAt }, 'mail sent without waiting any longer for an earlier mail of its ticket, which has not ended a day after this one was queued');
      }
      starting.push({ id: mail.id, attempt, counted: countedAttempts(mail) + 1 });
    }
    return { starting, putOff, busyAhead };
  }

  /**
   * Held mails put off because a mail ahead was being changed by another transaction (its outcome
   * recorded, or its attempt fired): that transaction's release may have skipped the timer this
   * firing held. Once this firing and that transaction have ended, a mail whose line is now free is
   * released at once, not at its recheck a second later by the clock (docs/adr/0035, addendum of
   * 2026-12-06). Not awaited: the watch waits for this firing's commit.
   */
  private watchBusyLines(mailIds: readonly string[]): void {
    for (const mailId of mailIds) {
      const watch: Promise<void> = this.releaseOnceSettled(mailId)
        .catch((error: unknown) => this.deps.logger.debug({ err: error, mailId }, 'held mail not looked at again once the mail ahead settled: its recheck sends it'))
        .finally(() => this.lineWatches.delete(watch));
      this.lineWatches.add(watch);
    }
  }

  private async releaseOnceSettled(mailId: string): Promise<void> {
    const ticketId = await mailStore.settledLine(this.deps.dataSource, mailId);
    if (ticketId === undefined || this.stopped) return;
    const released = await mailStore.releaseNextInLine(this.deps.dataSource.manager, {
      ticketIds: [ticketId],
      now: this.deps.clock.now(),
      timerSchema: this.deps.timers.schema,
      timerIdPrefix: MAIL_ATTEMPT_TIMER_ID_PREFIX,
    });
    if (released.length > 0) this.deps.logger.debug({ mailIds: released }, 'mail released: the earlier mail of its ticket ended while this one was being put off');
  }

  /** When the next attempt is armed (`counted`: this one's number among those that count): the usual delay, but never before this attempt may still be waiting for the server. */
  private armedRetryMs(counted: number): number {
    return Math.max(mailRetryDelayMs(counted), this.deps.attemptBoundMs ?? 0);
  }

  /**
   * Mail an earlier process left waiting for the server to take our session goes now, oldest
   * first, rather than at each one's retry: a start is most often the configuration fixed (a new
   * MAIL_SMTP_PASSWORD). Not awaited: the process starts whatever the database says.
   */
  start(): void {
    this.bringForwardWaiting('mail waiting for the SMTP server to take our session (login, TLS, sender) brought forward at start');
  }

  /** The mails waiting for the server to take our session, brought forward (`mailStore.bringForwardWaitingForTheSession`); `why` is logged when there were some. */
  private bringForwardWaiting(why: string): void {
    const bringing = mailStore
      .bringForwardWaitingForTheSession(this.deps.dataSource, { now: this.deps.clock.now(), timerSchema: this.deps.timers.schema, timerIdPrefix: MAIL_ATTEMPT_TIMER_ID_PREFIX })
      .then((mails) => {
        if (mails > 0) this.deps.logger.info({ mails }, why);
      })
      .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'mail waiting for the SMTP server to take our session not brought forward: each goes at its own retry'));
    this.bringingForward = this.bringingForward.then(() => bringing);
  }

  /** One timer: the batch handler with a batch of one. */
  readonly timerHandler: TimerHandler = (timer: FiredTimer, tx: EntityManager) => this.batchTimerHandler([timer], tx);

  /** Resolves once nothing is being sent or waiting (tests, shutdown). */
  async drain(): Promise<void> {
    await Promise.all([...this.lineWatches]);
    await this.sendsDrained();
  }

  /** Resolves once nothing is being sent or waiting to be. */
  private async sendsDrained(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return;
    await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  /**
   * Stops without sending anything twice where it can (docs/adr/0035, addenda of 2026-12-04, fifth
   * session, and of 2026-12-05): no send starts any more; sends the server has not taken the message
   * of get `stopGraceMs`, then are cut short (a server that never greets would hold them for its
   * 5-minute timeout) and can no longer hand it over; sends whose message the server is taking
   * get the rest of `stopBudgetMs` for its answer, and only those still waiting then are abandoned,
   * at-least-once. Every one cut short is recorded as a transient failure; its armed retry sends it
   * after the restart, like any interrupted attempt. Watches of held mails (`watchBusyLines`) get
   * `stopGraceMs`; one still waiting then is left to its mail's recheck.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.length = 0;
    const budgetMs = this.deps.stopBudgetMs ?? this.deps.stopGraceMs ?? 2_000;
    const budget = timeout(budgetMs);
    const grace = timeout(Math.min(this.deps.stopGraceMs ?? 2_000, budgetMs));
    try {
      await Promise.race([this.sendsDrained(), grace.over]);
      for (const send of this.inFlight) if (send.handover.cutShort()) send.interrupt(INTERRUPTED.beforeData);
      const takingData = this.takingData();
      if (takingData > 0) this.deps.logger.info({ sends: takingData, budgetMs }, 'stopping: waiting for the SMTP server to answer the mail it is taking');
      await Promise.race([this.sendsDrained(), budget.over]);
    } finally {
      grace.clear();
      budget.clear();
    }
    this.deps.transport.close();
    const abandoned = this.takingData();
    if (abandoned > 0) this.deps.logger.warn({ sends: abandoned, budgetMs }, 'stopping: the stop budget ran out before the SMTP server answered; those mails are sent again after the restart and may arrive twice');
    for (const send of this.inFlight) send.interrupt(send.handover.cutShort() ? INTERRUPTED.beforeData : INTERRUPTED.afterData);
    await this.sendsDrained();
    // Outcomes the database did not take: one last try, then they are logged (the take-back sends their mails).
    await this.unrecorded.stop(Math.min(this.deps.stopGraceMs ?? 2_000, budgetMs));
    await this.bringingForward;
    const watches = timeout(Math.min(this.deps.stopGraceMs ?? 2_000, budgetMs));
    try {
      await Promise.race([Promise.all([...this.lineWatches]), watches.over]);
    } finally {
      watches.clear();
    }
  }

  /** Sends in flight whose message the server is taking (it may deliver them whatever we do). */
  private takingData(): number {
    return [...this.inFlight].filter((send) => send.handover.handingOver).length;
  }

  private enqueue(mailId: string, attempt: number, instanceId: string | null): void {
    if (this.stopped) return; // its retry timer is armed: another replica, or the next start, sends it
    this.queue.push({ mailId, attempt, instanceId });
    this.pump();
  }

  private pump(): void {
    while (this.running < (this.deps.concurrency ?? 4) && this.queue.length > 0) {
      const next = this.queue.shift()!;
      this.running += 1;
      void this.attempt(next.mailId, next.attempt, next.instanceId)
        .catch((error: unknown) => this.deps.logger.warn({ err: error, mailId: next.mailId }, 'mail attempt not recorded; its retry timer will send it'))
        .finally(() => {
          this.running -= 1;
          this.pump();
          if (this.running === 0 && this.queue.length === 0) for (const resolve of this.idle.splice(0)) resolve();
        });
    }
  }

  private async attempt(mailId: string, attempt: number, instanceId: string | null): Promise<void> {
    let mail: MailRow & { parentInReplyTo: string | null };
    try {
      // Waits for the firing transaction (it holds the row) and sees what it committed; with the
      // other sends that start meanwhile, in one statement.
      const read = await this.reads.read(mailId);
      if (!read) return; // rolled back
      mail = read;
    } catch (error) {
      // Nothing was handed to the server: a transient failure, retried after the usual delay once recorded.
      const reason = `${NOT_READ} (${error instanceof Error ? error.message : String(error)})`;
      this.keepUnrecorded({ mailId, attempt, started: false, outcome: { kind: 'transient', reason }, endedAt: this.deps.clock.now() }, error);
      return;
    }
    if (mail.status !== 'pending' || mail.attempts !== attempt) return; // already settled
    if (mail.attemptInstanceId !== instanceId) {
      // Taken back: this instance was taken for dead (it could not beat), and a live one sends it.
      this.deps.logger.warn({ mailId, attempt, instanceId }, 'mail attempt taken back before it was sent: this instance did not beat in time; not sending it here');
      return;
    }
    // Counted, but stopping began while it waited for the commit: it is not started (its retry sends it).
    const started = !this.stopped;
    // In the trace the mail was queued in (the ticket's), as a webhook attempt is: its span, its
    // event and its log lines join it (docs/adr/0022, addendum of 2026-12-05, sixth session).
    let trace: TraceCarrier = mail.trace;
    const outcome = started
      ? await inSpan(`send mail ${mail.kind}`, { kind: SpanKind.CLIENT, parent: contextFromCarrier(mail.trace), attributes: { 'tss.mail.kind': mail.kind, 'tss.mail.attempt': attempt } }, (span) => {
          trace = traceCarrierOf();
          return this.send(mail).then((sent) => {
            if (sent.kind !== 'sent') span.setAttribute('tss.mail.outcome', sent.kind);
            return sent;
          });
        })
      : { kind: 'transient' as const, reason: INTERRUPTED.notStarted };
    const endedAt = this.deps.clock.now();
    if (outcome.kind === 'session_refused') this.session.refused(outcome.refusal, outcome.reason);
    // Past the session (sent, or refused for the message itself): the mails that waited for it go now.
    else if ((outcome.kind === 'sent' || outcome.kind === 'permanent') && this.session.taken()) this.bringForwardWaiting('mail that waited for the SMTP server to take our session brought forward');
    try {
      if (outcome.kind === 'sent') await this.sent.add({ mailId, attempt, response: outcome.response, sentAt: endedAt, trace });
      else await otelContext.with(contextFromCarrier(trace), () => inTransaction(this.deps.dataSource, (tx) => this.record(tx, mailId, attempt, outcome, endedAt)));
    } catch (error) {
      this.keepUnrecorded({ mailId, attempt, started, outcome, endedAt }, error);
    }
  }

  /** Kept to record once the database answers; past the limit (or stopping), left to its armed retry timer as before. */
  private keepUnrecorded(attempt: UnrecordedAttempt, error: unknown): void {
    if (this.unrecorded.keep(attempt, error)) return;
    this.deps.logger.warn({ err: error, mailId: attempt.mailId, attempt: attempt.attempt, kept: this.unrecorded.size }, 'mail attempt not recorded; its retry timer will send it');
  }

  /**
   * Attempts the database did not take when they ended, recorded now: the sent ones first, then
   * the others, each group in transactions of `RECORD_CHUNK` mails in id order (as the timer
   * batches lock them). The first transaction that fails ends this try: the database most likely
   * still does not answer, and the rest wait for the next try rather than each trying alone.
   * Answers the attempts not recorded.
   */
  private async recordKept(attempts: readonly UnrecordedAttempt[]): Promise<readonly UnrecordedAttempt[]> {
    const byMail = [...attempts].sort((a, b) => (a.mailId < b.mailId ? -1 : a.mailId > b.mailId ? 1 : 0));
    const sent = byMail.filter((a) => a.outcome.kind === 'sent');
    const others = byMail.filter((a) => a.outcome.kind !== 'sent');
    const chunks = [...chunksOf(sent), ...chunksOf(others)];
    for (const [i, chunk] of chunks.entries()) {
      try {
        await inTransaction(this.deps.dataSource, async (tx) => {
          const accepted = chunk.flatMap(({ mailId, attempt, outcome, endedAt }) => (outcome.kind === 'sent' ? [{ mailId, attempt, response: outcome.response, sentAt: endedAt }] : []));
          if (accepted.length > 0) await this.recordSent(tx, accepted);
          for (const a of chunk) if (a.outcome.kind !== 'sent') await this.record(tx, a.mailId, a.attempt, a.outcome, a.endedAt);
        });
      } catch (error) {
        if (i === 0) throw error;
        return chunks.slice(i).flat();
      }
    }
    return [];
  }

  /** One send, in flight until it ends or stopping cuts it short (`stop`). */
  private async send(mail: MailRow & { parentInReplyTo: string | null }): Promise<SendOutcome> {
    const handover = new MessageHandover();
    let interrupt: (outcome: SendOutcome) => void = () => undefined;
    const interrupted = new Promise<SendOutcome>((resolve) => (interrupt = resolve));
    const inFlight: SendInFlight = { handover, interrupt: (reason) => interrupt({ kind: 'transient', reason }) };
    this.inFlight.add(inFlight);
    const autoSubmitted = autoSubmittedOf(mail.kind);
    try {
      const sending = this.deps.transport.send(
        {
          from: this.deps.from,
          to: mail.recipientName ? { name: mail.recipientName, address: mail.recipient } : mail.recipient,
          subject: mail.subject,
          text: mail.textBody,
          html: mail.htmlBody,
          messageId: mail.messageId,
          ...threadHeadersOf(mail.inReplyTo, mail.parentInReplyTo),
          ...(autoSubmitted ? { autoSubmitted } : {}),
        },
        handover,
      );
      return await this.bounded(mail.kind, mail.id, mail.attempts, handover, Promise.race([sending, interrupted]));
    } finally {
      this.inFlight.delete(inFlight);
    }
  }

  /**
   * A send never holds its slot (and the drain at shutdown) forever: past `stuckAfterMs` it is a
   * transient failure, and an error in the log, since the transport's own timeouts should have ended it.
   * Given up before its message went, it can no longer hand it over (and be delivered beside its retry).
   */
  private bounded(kind: string, mailId: string, attempt: number, handover: MessageHandover, sending: Promise<SendOutcome>): Promise<SendOutcome> {
    const limitMs = this.deps.stuckAfterMs ?? (this.deps.attemptBoundMs ? this.deps.attemptBoundMs + 60_000 : undefined);
    if (limitMs === undefined) return sending;
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<SendOutcome>((resolve) => {
      timer = setTimeout(() => {
        handover.cutShort();
        this.deps.logger.error({ mailId, kind, attempt, limitMs }, 'mail send stuck: the SMTP transport never answered; given up as a transient failure');
        mailMetrics().stuck.inc({ kind });
        resolve({ kind: 'transient', reason: `the send did not finish within ${limitMs} ms` });
      }, limitMs);
      timer.unref();
    });
    return Promise.race([sending, stuck]).finally(() => clearTimeout(timer));
  }

  /**
   * Sent attempts in one transaction; if it fails (a deadlock with another replica, a row that
   * cannot be written), each is recorded in a transaction of its own, every one tried, so one does
   * not cost the others their record (and their mails a second sending by the retry timer). Then
   * it answers each attempt's error, or undefined for one recorded (`GroupCommit`).
   */
  private async recordAllSent(attempts: readonly SentAttempt[]): Promise<void | unknown[]> {
    try {
      await inTransaction(this.deps.dataSource, (tx) => this.recordSent(tx, attempts));
    } catch (error) {
      if (attempts.length === 1) throw error;
      this.deps.logger.debug({ err: error, mails: attempts.length }, 'recording sent mails together failed; recording each alone');
      const errors: unknown[] = [];
      for (const attempt of attempts) {
        errors.push(
          await inTransaction(this.deps.dataSource, (tx) => this.recordSent(tx, [attempt])).then(
            () => undefined,
            (failure: unknown) => failure ?? new Error('recording the sent mail failed'),
          ),
        );
      }
      return errors;
    }
  }

  /**
   * The common outcome in three statements for any number of mails (issue #11): the mails locked,
   * marked sent, their retries cancelled and their acknowledgments read; then the events. Nothing
   * for a mail no longer pending (another attempt settled it).
   */
  private async recordSent(tx: EntityManager, attempts: readonly SentAttempt[]): Promise<void> {
    const transport = this.deps.transport.name;
    const byId = new Map(attempts.map((a) => [a.mailId, a]));
    const sent = await mailStore.markAllSentIfPending(
      tx,
      attempts.map((a) => ({ id: a.mailId, response: a.response, timerId: mailAttemptTimerId(a.mailId, a.attempt + 1), sentAt: a.sentAt })),
      { transport, timerSchema: this.deps.timers.schema },
    );
    const events: OutboxDraft[] = [];
    for (const mail of sent) {
      if (mail.kind === 'acknowledgment' && mail.ticketId && mail.partnerId) {
        // P3: handed to SMTP, so the request counts as accepted (intake applies it).
        events.push(
          outboxDraft(
            NotificationAcknowledgmentSentV1,
            mail.ticketId,
            {
              partnerId: mail.partnerId,
              reference: mail.acknowledgment?.reference ?? referenceIn(mail.subject),
              channel: mail.acknowledgment?.channel ?? 'email',
              sentAt: mail.sentAt.toISOString(),
            },
            // Recorded with others in one transaction: each event in the trace of its own send.
            { trace: byId.get(mail.id)?.trace },
          ),
        );
      }
    }
    // The next mails in line released in the statement that writes the events: after the one that
    // ended these (`releaseNextInLine`), and no round trip more for an acknowledgment.
    const released = await this.releaseNextInLine(tx, sent, events.length > 0 ? (first) => this.deps.outbox.addAllStatement(events, first, tx) : undefined);
    if (!released) await this.deps.outbox.addAll(tx, events);
    for (const mail of sent) {
      const attempt = byId.get(mail.id);
      otelContext.with(contextFromCarrier(attempt?.trace ?? {}), () =>
        this.deps.logger.child({ mailId: mail.id, ticketId: mail.ticketId, kind: mail.kind, attempt: attempt?.attempt }).info({ transport }, 'mail sent'),
      );
      mailMetrics().sent.inc({ kind: mail.kind });
    }
  }

  /**
   * A failed attempt that ended at `endedAt`: refused for good (a 5xx about the message), refused
   * for our session (not counted; its retry by `sessionRetryDelayMs`, never failed), or transient
   * (its retry the usual delay after it ended). The reason is the server's or the client's text:
   * what PostgreSQL cannot store (NUL) is dropped, so no reason can keep an outcome from ever being
   * recorded.
   */
  private async record(tx: EntityManager, mailId: string, attempt: number, failure: Exclude<SendOutcome, { kind: 'sent' }>, endedAt: Date): Promise<void> {
    const outcome = { ...failure, reason: toStorableText(failure.reason) };
    const mail = await mailStore.lock(tx, mailId);
    if (!mail || mail.status !== 'pending') return;
    const log = this.deps.logger.child({ mailId, ticketId: mail.ticketId, kind: mail.kind, attempt });
    switch (outcome.kind) {
      case 'permanent':
        await this.deps.timers.cancel(tx, mailAttemptTimerId(mailId, attempt + 1));
        await this.fail(tx, mail, outcome.reason, endedAt);
        mailMetrics().failed.inc({ kind: mail.kind, reason: 'refused' });
        log.warn({ reason: outcome.reason }, 'mail refused for good');
        return;
      case 'session_refused': {
        // Our configuration, not the message: the mail waits, its attempt not counted (docs/adr/0035, addendum of 2026-12-05, seventh session).
        const refusals = await mailStore.recordSessionRefusal(tx, mailId, { reason: outcome.reason, attempt, at: endedAt });
        const retryInMs = sessionRetryDelayMs(refusals);
        if (mail.attempts === attempt) {
          await this.deps.timers.schedule(tx, { id: mailAttemptTimerId(mailId, attempt + 1), kind: MAIL_SEND_TIMER, dueAt: new Date(endedAt.getTime() + retryInMs), payload: { mailId } });
        }
        log.info({ refusal: outcome.refusal, reason: outcome.reason, retryInMs }, 'mail not sent: the SMTP server refused our session, not the message; it waits and is tried again');
        return;
      }
      case 'transient': {
        await mailStore.recordError(tx, mailId, outcome.reason, attempt);
        // The attempt has ended: its retry comes after the usual delay, not after the longest an attempt may last.
        const retryInMs = mailRetryDelayMs(attempt - mail.attemptsNotCounted);
        if (mail.attempts === attempt) {
          await this.deps.timers.schedule(tx, { id: mailAttemptTimerId(mailId, attempt + 1), kind: MAIL_SEND_TIMER, dueAt: new Date(endedAt.getTime() + retryInMs), payload: { mailId } });
        }
        log.info({ reason: outcome.reason, retryInMs }, 'mail not sent; retrying later');
        return;
      }
    }
  }

  /**
   * The next mail in line of each ticket whose mail ended in `tx`, released if it is held (docs/adr/0035,
   * addendum of 2026-12-05, seventh session), with `also` in the same statement. False, and no
   * statement (nor `also`), when none of them had a place in a line.
   */
  private async releaseNextInLine(tx: EntityManager, ended: readonly { ticketId: string | null; inTicketLine: boolean }[], also?: SqlFragmentAt): Promise<boolean> {
    const ticketIds = ended.flatMap((mail) => (mail.inTicketLine && mail.ticketId ? [mail.ticketId] : []));
    if (ticketIds.length === 0) return false;
    const released = await mailStore.releaseNextInLine(tx, { ticketIds, now: this.deps.clock.now(), timerSchema: this.deps.timers.schema, timerIdPrefix: MAIL_ATTEMPT_TIMER_ID_PREFIX }, also);
    if (released.length > 0) this.deps.logger.debug({ mailIds: released }, 'mail released: the earlier mail of its ticket has ended');
    return true;
  }

  /** Failed for good: recorded, published, and the next mail of its ticket's line released (it need not wait for this one any longer). */
  private async fail(tx: EntityManager, mail: MailRow, reason: string, now: Date): Promise<void> {
    await mailStore.markFailed(tx, mail.id, { at: now, reason });
    await this.releaseNextInLine(tx, [mail]);
    await this.deps.outbox.add(tx, NotificationDeliveryFailedV1, mail.ticketId ?? mail.id, {
      ...(mail.partnerId ? { partnerId: mail.partnerId } : {}),
      kind: `mail.${mail.kind}`,
      attempts: mail.attempts,
      reason: reason.slice(0, 1_000),
      failedAt: now.toISOString(),
    });
  }
}

/** An attempt the SMTP server accepted, waiting to be recorded. */
interface SentAttempt {
  mailId: string;
  attempt: number;
  response: string;
  /** When the server accepted it: the mail's `sent_at` and the acknowledgment's `sentAt` (P3), however late it is recorded. */
  sentAt: Date;
  /** The send's trace (the ticket's): its event and its `mail sent` line join it. */
  trace?: TraceCarrier;
}

const chunksOf = <T>(items: readonly T[]): T[][] => Array.from({ length: Math.ceil(items.length / RECORD_CHUNK) }, (_, i) => items.slice(i * RECORD_CHUNK, (i + 1) * RECORD_CHUNK));

/** How long a batch fired before this instance's row is registered waits for it (then names none). */
const REGISTRATION_WAIT_MS = 1_000;

/** A timer for a bounded wait, cleared once it is over. */
const timeout = (ms: number): { over: Promise<void>; clear(): void } => {
  let timer: NodeJS.Timeout | undefined;
  const over = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return { over, clear: () => clearTimeout(timer) };
};

/** The reference leads every subject of ours (`[TSS-…] …`). */
const referenceIn = (subject: string): string => /^\[([^\]]+)\]/.exec(subject)?.[1] ?? '';
