import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { ratingHelpers } from './rating-support';
import { tablesHolding } from './support/tables-holding';
import { startTestPlatform, type TestPlatform } from './support/test-platform';
import { WebhookReceiver } from './support/webhook-receiver';

const NOT_SOLVED_PASSWORD = 'Hunter22';
const SOLVED_PASSWORD = 'Thanks#Pw7781';
const REOPEN_PASSWORD = 'Staff-Tmp-4410!';
const REMOVED = '[access particulars removed]';
const VAULTED = /\[credentials stored securely: TSS vault #[0-9a-f]{8}\]/;

type HistoryItem = { action: string; actor: { kind: string; id: string }; detail: Record<string, unknown> };
type Delivered = { type: string; data: Record<string, unknown> };

// P9 for ratings (docs/adr/0040, 0070): a rating's comment is the requester's text too. Rating keeps
// and publishes it masked; the particulars of a "not solved" comment reach intake's vault in transit
// only, and the reopening it causes is masked like a message; no webhook, list or table shows them.
describe('access particulars in a rating comment (P9, P11)', () => {
  const clock = new TestClock('2026-07-01T09:00:00.000Z');
  let platform: TestPlatform;
  let client: PlatformClient;
  let receiver: WebhookReceiver;
  let h: ReturnType<typeof ratingHelpers>;
  let partner: { partnerId: string; token: string };
  let agent = '';
  let quality = '';

  beforeAll(async () => {
    platform = await startTestPlatform('rating_particulars', { clock, env: { WEBHOOK_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    client = platform.client;
    receiver = await WebhookReceiver.start(clock);
    h = ratingHelpers(platform);
    const admin = await platform.adminToken();
    partner = await client.partner(admin, 'Acme Particulars');
    agent = (await client.staff(admin, ['agent'], 'Pat Agent')).token;
    quality = (await client.staff(admin, ['quality'], 'Quill Quality')).token;
    const endpoint = await h.http().post('/v1/webhooks/endpoints').auth(partner.token, { type: 'bearer' }).send({ url: receiver.url('/hooks'), eventTypes: ['ticket.*', 'rating.*'] });
    expect(endpoint.status).toBe(201);
  });

  afterAll(async () => {
    await receiver?.close();
    await platform?.stop();
  });

  const as = (token: string) => ({ get: (path: string) => h.http().get(path).auth(token, { type: 'bearer' }) });
  const resolvedTicketOfAnn = async () => {
    const ticket = await h.file(partner.token, sampleTicket({ requester: { id: 'cust-ann', email: 'ann@client.example' } }));
    await h.resolve(agent, ticket.id);
    return { ticket, link: await h.rateLink(ticket.id) };
  };
  const historyOf = async (ticketId: string) => (await as(partner.token).get(`/v1/tickets/${ticketId}/history`)).body.items as HistoryItem[];
  const webhooksOf = (ticketId: string): Delivered[] =>
    receiver
      .at('/hooks')
      .map((r) => JSON.parse(r.body) as Delivered & { subject: string })
      .filter((e) => e.subject === ticketId);
  const webhookOf = (ticketId: string, type: string) => waitFor(`the ${type} webhook of ${ticketId}`, async () => webhooksOf(ticketId).find((e) => e.type === type));
  /** Every table of every schema, once each consumer has taken the events (the in-process log is scrubbed after the last one commits). */
  const expectNoTableHolding = async (password: string) => {
    await waitFor(`no table holding ${password}`, async () => (await tablesHolding(platform, password)).length === 0).catch(() => undefined);
    expect(await tablesHolding(platform, password)).toEqual([]);
  };

  it('P9: "not solved" from the rate page: the rating, the history, the events and the webhooks show it masked; the vault holds the password', async () => {
    const { ticket, link } = await resolvedTicketOfAnn();
    const csrf = /name="_csrf" value="([^"]+)"/.exec((await h.http().get(`/rate/${link.token}`)).text)?.[1];
    const posted = await h.http().post(`/rate/${link.token}`).type('form').send({ _csrf: csrf, score: '2', solved: 'no', comment: `Не работает. password: ${NOT_SOLVED_PASSWORD}` });
    expect(posted.status).toBe(303);
    expect((await h.http().get(posted.headers.location)).text).not.toContain(NOT_SOLVED_PASSWORD);

    // Rating keeps and shows it masked, to the partner and to staff.
    for (const token of [partner.token, agent]) {
      const read = await as(token).get(`/v1/tickets/${ticket.id}/rating`);
      expect(read.status).toBe(200);
      expect(read.body.rating.comment).toBe(`Не работает. ${REMOVED}`);
    }
    // Intake reopened it with the comment masked as a message is: vaulted, the requester told.
    const reopened = await waitFor('the reopening', async () => (await historyOf(ticket.id)).find((e) => e.action === 'reopened'));
    expect(reopened.actor).toEqual({ kind: 'service', id: 'rating' });
    expect(reopened.detail.reason).toMatch(new RegExp(`^Rated not solved: Не работает\\. ${VAULTED.source}$`));
    const history = await historyOf(ticket.id);
    expect(history.find((e) => e.action === 'status_changed' && e.detail.to === 'open')?.detail.reason).toBe(reopened.detail.reason);
    expect(JSON.stringify(history)).not.toContain(NOT_SOLVED_PASSWORD);
    const vault = (await as(agent).get(`/v1/tickets/${ticket.id}/credentials`)).body.items as { id: string; kind: string }[];
    expect(vault).toEqual([expect.objectContaining({ kind: 'detected' })]);
    expect(String(reopened.detail.reason)).toContain(vault[0].id.slice(0, 8));
    expect((await as(agent).get(`/v1/tickets/${ticket.id}/credentials/${vault[0].id}`)).body.secret).toBe(NOT_SOLVED_PASSWORD);
    const thread = (await as(partner.token).get(`/v1/tickets/${ticket.id}/thread`)).body.items as { author: { kind: string }; body: string }[];
    expect(thread.filter((m) => m.author.kind === 'system' && m.body.includes('secure vault'))).toHaveLength(1);

    // The events as published, and as the partner's webhook receives them.
    const [submitted] = await h.ratingEvents(ticket.id, 'rating.submitted');
    expect(submitted.data).toMatchObject({ solved: false, comment: `Не работает. ${REMOVED}` });
    const submittedHook = await webhookOf(ticket.id, 'rating.submitted');
    expect(submittedHook.data).toMatchObject({ solved: false, comment: `Не работает. ${REMOVED}` });
    expect(submittedHook.data).not.toHaveProperty('inTransit');
    expect((await webhookOf(ticket.id, 'ticket.reopened')).data.reason).toBe(reopened.detail.reason);
    await webhookOf(ticket.id, 'ticket.status_changed');
    expect(JSON.stringify(webhooksOf(ticket.id))).not.toContain(NOT_SOLVED_PASSWORD);
    // Nowhere else either: outboxes, the event log, the escalation its score raised, webhook records.
    await waitFor('the low rating escalated', async () => (await as(partner.token).get(`/v1/tickets/${ticket.id}/rating`)).body.rating.escalated === true);
    await expectNoTableHolding(NOT_SOLVED_PASSWORD);
  });

  it('P9: a "solved" rating through the API: the comment is kept, answered and published masked, nothing vaulted; the quality report never shows it', async () => {
    const { ticket } = await resolvedTicketOfAnn();
    const rated = await h.http().post(`/v1/tickets/${ticket.id}/rating`).auth(partner.token, { type: 'bearer' }).send({ score: 5, solved: true, comment: `Thanks! login: ann pass: ${SOLVED_PASSWORD}` });
    expect(rated.status).toBe(201);
    expect(rated.body.comment).toBe(`Thanks! ${REMOVED}`);
    expect((await as(partner.token).get(`/v1/tickets/${ticket.id}/rating`)).body.rating.comment).toBe(`Thanks! ${REMOVED}`);
    expect((await h.ratingEvents(ticket.id, 'rating.submitted'))[0].data.comment).toBe(`Thanks! ${REMOVED}`);
    expect((await webhookOf(ticket.id, 'rating.submitted')).data.comment).toBe(`Thanks! ${REMOVED}`);
    // Solved: the ticket is not worked on again, so the particulars are removed, not vaulted.
    expect((await as(agent).get(`/v1/tickets/${ticket.id}`)).body.status).toBe('resolved');
    expect((await as(agent).get(`/v1/tickets/${ticket.id}/credentials`)).body.items).toEqual([]);
    for (const accept of ['application/json', 'text/csv']) {
      const report = await as(quality).get('/v1/reports/quality?groupBy=agent').set('accept', accept);
      expect(report.status).toBe(200);
      expect(report.text).not.toContain(SOLVED_PASSWORD);
    }
    await expectNoTableHolding(SOLVED_PASSWORD);
  });

  it('P9: an agent’s reopen reason is vaulted and masked too: history, event and webhook', async () => {
    const { ticket } = await resolvedTicketOfAnn();
    const reopened = await h.http().post(`/v1/tickets/${ticket.id}/reopen`).auth(agent, { type: 'bearer' }).send({ reason: `Checked with the account; пароль: ${REOPEN_PASSWORD}` });
    expect(reopened.status).toBe(200);
    const entry = (await historyOf(ticket.id)).find((e) => e.action === 'reopened');
    expect(entry?.detail.reason).toMatch(new RegExp(`^Checked with the account; ${VAULTED.source}$`));
    expect((await as(agent).get(`/v1/tickets/${ticket.id}/credentials`)).body.items).toEqual([expect.objectContaining({ kind: 'detected', createdBy: 'staff' })]);
    expect((await webhookOf(ticket.id, 'ticket.reopened')).data.reason).toBe(entry?.detail.reason);
    await expectNoTableHolding(REOPEN_PASSWORD);
  });
});
