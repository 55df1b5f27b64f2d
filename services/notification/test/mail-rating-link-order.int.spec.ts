import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { RatingRequestedV1, TicketCreatedV1, TicketReopenedV1, TicketResolvedV1, type EventContract, type EventData } from '@tss/contracts';
import { InProcessTransport, Outbox } from '@tss/messaging';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { Platform } from '@tss/runtime';
import { TokenVerifier } from '@tss/service-kit';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { notificationService } from '../src/index';
import { startNotification, type NotificationUnderTest } from './support/notification-under-test';

const DAY_MS = 24 * 3_600_000;
const RATING_WAIT_SECONDS = 60;
const ENV = { MAIL_FROM: 'TSS Support <support@tss.test>', MAIL_RATING_WAIT_SECONDS: String(RATING_WAIT_SECONDS) };
const linkOf = (name: string): string => `https://help.example/rate/${name.padEnd(43, name.slice(-1))}`;

/**
 * P11: the resolved mail carries the rating link (docs/rating.md, docs/mail.md). notification reads
 * intake's `tss.ticket` and rating's `tss.rating` side by side, so after a restart `rating.requested`
 * can be read before the `ticket.resolved` that asked for it, or an earlier resolution's after a
 * later one. An outside tester (services mode, Ctrl-C within the wait) got the resolved mail without
 * its link. `rating.requested` names its resolution (`data.ticketSequence`): the link goes with that
 * resolution's mail, whatever the order (docs/adr/0035, addendum of 2026-12-05, third session).
 */
describe('P11: the resolved mail carries its own resolution’s rating link, whichever topic is read first', () => {
  const clock = new TestClock('2026-03-02T09:00:00.000Z');
  const partnerId = randomUUID();
  let notification: NotificationUnderTest;

  beforeAll(async () => {
    // No SMTP server: the mail stays in the local outbox, as with `npm start`.
    notification = await startNotification(clock, ENV);
  });
  afterAll(async () => {
    await notification?.sut.stop();
  });

  const mailsOf = (ticketId: string) =>
    notification.sut.query<{ kind: string; text_body: string }>(
      `SELECT kind, text_body FROM notification.mail_messages WHERE ticket_id = $1 AND kind IN ('resolved', 'rating_invitation') ORDER BY created_at, kind`,
      [ticketId],
    );
  const resolvedMailOf = (ticketId: string) =>
    waitFor('the resolved mail', async () => {
      const mails = await mailsOf(ticketId);
      return mails.some((m) => m.kind === 'resolved') && mails;
    });
  const handled = async (published: Promise<string>) => notification.handled(await published);
  const resolved = (ticketId: string, sequence: number) => {
    const at = clock.now();
    return handled(
      notification.publish(TicketResolvedV1, ticketId, { partnerId, sequence, resolvedAt: at.toISOString(), reopenWindowEndsAt: new Date(at.getTime() + 14 * DAY_MS).toISOString(), credentialsHeld: false }),
    );
  };
  const reopened = (ticketId: string, sequence: number) => handled(notification.publish(TicketReopenedV1, ticketId, { partnerId, sequence, reopenedAt: clock.now().toISOString() }));
  const ratingRequested = (ticketId: string, rateUrl: string, ticketSequence?: number) =>
    handled(
      notification.publish(RatingRequestedV1, ticketId, {
        partnerId,
        surveyId: randomUUID(),
        rateUrl,
        expiresAt: new Date(clock.now().getTime() + 14 * DAY_MS).toISOString(),
        ...(ticketSequence !== undefined ? { ticketSequence } : {}),
      }),
    );
  const ticket = async (email: string) => (await notification.ticketCreated({ partnerId, email })).ticketId;
  /** The resolved mail's wait runs out, whatever reached notification meanwhile. */
  const waitRunsOut = () => clock.advanceMs(RATING_WAIT_SECONDS * 1_000);

  it('rating.requested handled before its ticket.resolved: the resolved mail carries the link, once, and no invitation follows', async () => {
    const ticketId = await ticket('first-link@client.example');
    const link = linkOf('linkfirst');
    await ratingRequested(ticketId, link, 2);
    await resolved(ticketId, 2);
    waitRunsOut();

    const mails = await resolvedMailOf(ticketId);
    expect(mails.map((m) => m.kind)).toEqual(['resolved']);
    expect(mails[0].text_body).toContain(link);
    expect(mails[0].text_body.split(link)).toHaveLength(2);
  });

  it('the link known first, the resolved mail need not wait for it: it goes without the clock moving', async () => {
    const ticketId = await ticket('no-wait@client.example');
    const link = linkOf('nowait');
    await ratingRequested(ticketId, link, 2);
    await resolved(ticketId, 2);

    const mails = await resolvedMailOf(ticketId);
    expect(mails.map((m) => m.kind)).toEqual(['resolved']);
    expect(mails[0].text_body).toContain(link);
  });

  // Resolved (2), reopened (3), resolved again (4): the first resolution's link, read late, is not this one's.
  it.each([
    ['after the second resolution’s link (its resolved mail gone)', ['resolved:2', 'reopened:3', 'resolved:4', 'rating:4', 'rating:2']],
    ['between the second resolution and its link', ['resolved:2', 'reopened:3', 'resolved:4', 'rating:2', 'rating:4']],
    ['before any ticket event (the ticket topic read last)', ['rating:2', 'rating:4', 'resolved:2', 'reopened:3', 'resolved:4']],
    ['the second link before its resolution, the first after it', ['resolved:2', 'reopened:3', 'rating:4', 'resolved:4', 'rating:2']],
  ])('the first resolution’s rating.requested read late, %s: the mail carries the second link only', async (_case, order) => {
    const ticketId = await ticket(`late-${randomUUID().slice(0, 8)}@client.example`);
    const links: Record<number, string> = { 2: linkOf(`first${ticketId.slice(0, 8)}`), 4: linkOf(`second${ticketId.slice(0, 8)}`) };
    for (const step of order) {
      const [kind, sequence] = [step.split(':')[0], Number(step.split(':')[1])];
      if (kind === 'resolved') await resolved(ticketId, sequence);
      else if (kind === 'reopened') await reopened(ticketId, sequence);
      else await ratingRequested(ticketId, links[sequence], sequence);
    }
    waitRunsOut();

    const mails = await resolvedMailOf(ticketId);
    expect(mails.map((m) => m.kind)).toEqual(['resolved']);
    expect(mails[0].text_body).toContain(links[4]);
    expect(mails[0].text_body).not.toContain(links[2]);
  });

  it('a later resolution’s link read ahead while the earlier resolution’s mail goes: not in that mail, in its own resolution’s', async () => {
    const ticketId = await ticket('read-ahead@client.example');
    const second = linkOf('readahead');
    await ratingRequested(ticketId, second, 4);
    await resolved(ticketId, 2);
    waitRunsOut();
    const [first] = await resolvedMailOf(ticketId);
    expect(first.text_body).not.toContain(second);

    await reopened(ticketId, 3);
    await resolved(ticketId, 4);
    const mails = await waitFor('the second resolved mail', async () => {
      const rows = await mailsOf(ticketId);
      return rows.length === 2 && rows;
    });
    expect(mails.map((m) => m.kind)).toEqual(['resolved', 'resolved']);
    expect(mails.filter((m) => m.text_body.includes(second))).toHaveLength(1);
  });

  describe('an older rating’s event, without ticketSequence: as before', () => {
    it('read after ticket.resolved: the resolved mail carries it, without waiting', async () => {
      const ticketId = await ticket('old-after@client.example');
      const link = linkOf('oldafter');
      await resolved(ticketId, 2);
      await ratingRequested(ticketId, link);

      const mails = await resolvedMailOf(ticketId);
      expect(mails.map((m) => m.kind)).toEqual(['resolved']);
      expect(mails[0].text_body).toContain(link);
    });

    it('read after the resolved mail went: an invitation on its own', async () => {
      const ticketId = await ticket('old-late@client.example');
      const link = linkOf('oldlate');
      await resolved(ticketId, 2);
      waitRunsOut();
      await resolvedMailOf(ticketId);
      await ratingRequested(ticketId, link);

      const mails = await mailsOf(ticketId);
      expect(mails.map((m) => m.kind).sort()).toEqual(['rating_invitation', 'resolved']);
      expect(mails.find((m) => m.kind === 'resolved')?.text_body).not.toContain(link);
      expect(mails.find((m) => m.kind === 'rating_invitation')?.text_body).toContain(link);
    });

    it('read before any ticket.resolved: it cannot be told from an earlier resolution’s, so the resolved mail goes after the wait without it', async () => {
      const ticketId = await ticket('old-first@client.example');
      const link = linkOf('oldfirst');
      await ratingRequested(ticketId, link);
      await resolved(ticketId, 2);
      waitRunsOut();

      const mails = await resolvedMailOf(ticketId);
      expect(mails.map((m) => m.kind)).toEqual(['resolved']);
      expect(mails[0].text_body).not.toContain(link);
    });
  });
});

/** The tester's case: notification stopped after reading the link and before its ticket.resolved, then started again on the same database. */
describe('P11: a restart between rating.requested and its ticket.resolved keeps the link', () => {
  const clock = new TestClock('2026-03-02T09:00:00.000Z');
  const partnerId = randomUUID();
  let db: TestDatabase;
  let running: Platform | undefined;

  beforeAll(async () => {
    db = await createTestDatabase('notification-rating-link-restart');
  });
  afterAll(async () => {
    await running?.stop();
    await db?.drop();
  });

  const start = () =>
    Platform.start({
      modules: [notificationService],
      name: 'notification',
      databaseUrl: db.url,
      transport: new InProcessTransport(),
      clock,
      logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      tokens: new TokenVerifier({ issuer: 'tss', audience: 'tss-api', keys: { getKey: async () => undefined }, nowSeconds: () => Math.floor(clock.now().getTime() / 1_000) }),
      env: ENV,
      migrate: false,
      poolSize: 2,
      relayPollIntervalMs: 50,
    });
  /** As its producer publishes it, through notification's outbox (the in-process transport hands it on); resolves once handled. */
  const publishHandled = async <E extends EventContract>(platform: Platform, contract: E, subject: string, data: EventData<E>) => {
    const host = platform.host('notification');
    const producer = new Outbox({ service: contract.owner, schema: 'notification', clock });
    const { id } = await host.unitOfWork.run((tx) => producer.add(tx, contract, subject, data));
    await waitFor(`event ${id} handled`, async () => (await host.dataSource.query(`SELECT 1 FROM notification.inbox WHERE event_id = $1`, [id])).length > 0);
  };

  it('the resolved mail, read after the restart, carries the link read before it', async () => {
    const ticketId = randomUUID();
    const link = linkOf('restart');
    const before = await start();
    running = before;
    await publishHandled(before, TicketCreatedV1, ticketId, {
      partnerId,
      sequence: 1,
      reference: 'TSS-R0001-ABCDE',
      channel: 'api',
      product: 'reader',
      productVersion: '4.2',
      level: 'standard',
      subject: 'Reader crashes on opening EPUB',
      requester: { email: 'restart@client.example' },
      missingDetails: [],
      receivedAt: clock.now().toISOString(),
    });
    await publishHandled(before, RatingRequestedV1, ticketId, { partnerId, surveyId: randomUUID(), rateUrl: link, expiresAt: new Date(clock.now().getTime() + 14 * DAY_MS).toISOString(), ticketSequence: 2 });
    await before.stop();
    running = undefined;

    const after = await start();
    running = after;
    const at = clock.now();
    await publishHandled(after, TicketResolvedV1, ticketId, { partnerId, sequence: 2, resolvedAt: at.toISOString(), reopenWindowEndsAt: new Date(at.getTime() + 14 * DAY_MS).toISOString() });
    clock.advanceMs(RATING_WAIT_SECONDS * 1_000);

    const [mail] = await waitFor('the resolved mail', async () => {
      const rows = await after.host('notification').dataSource.query(`SELECT kind, text_body FROM notification.mail_messages WHERE ticket_id = $1 AND kind IN ('resolved', 'rating_invitation')`, [ticketId]);
      return rows.length > 0 && (rows as { kind: string; text_body: string }[]);
    });
    expect(mail.kind).toBe('resolved');
    expect(mail.text_body).toContain(link);
  });
});
