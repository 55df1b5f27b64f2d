import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pngBytes } from '@tss/blob-storage/testing';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { ticketIntakeService } from '../../src/index';
import { insertTicketRow } from './support/ticket-rows';

type Published = { type: string; sequence: number; data: Record<string, unknown> };

/**
 * An outside test: an agent's second public reply reached the thread, and no event at all, so the
 * requester got no mail and partners' webhooks never heard of it (`ticket.responded` is published
 * only for the reply that gives a response owed, P5). Every public agent message is now published
 * as `ticket.agent_replied`, in the message's transaction (docs/adr/0035, addendum of 2026-12-05).
 */
describe('P8: intake publishes every public agent message (ticket.agent_replied)', () => {
  let sut: ServiceUnderTest;
  let blobRoot: string;
  const clock = new TestClock('2026-03-02T08:00:00.000Z');
  const partnerId = randomUUID();
  const staffToken = (sub: string) => sut.token({ kind: 'staff', sub, client_id: sub, roles: ['agent'], scope: 'tickets:read tickets:write queue:read' });
  // A support-site link a staff member minted: their words go in the requester's name (docs/adr/0037).
  const onBehalfToken = () =>
    sut.token({ kind: 'requester', partner_id: partnerId, requester_id: 'client-1', scope: 'tickets:read tickets:write', act: { kind: 'staff', sub: 'agent-link' } });

  const post = async (ticketId: string, token: string, body: Record<string, unknown>): Promise<string> => {
    const response = await sut.http().post(`/v1/tickets/${ticketId}/messages`).auth(token, { type: 'bearer' }).send(body);
    expect(response.status).toBe(201);
    return (response.body as { message: { id: string } }).message.id;
  };
  const publishedFor = async (ticketId: string): Promise<Published[]> =>
    (
      await sut.query<{ event_type: string; event: { data: Record<string, unknown> & { sequence: number } } }>(
        `SELECT event_type, event FROM ticket_intake.outbox WHERE message_key = $1 ORDER BY position`,
        [ticketId],
      )
    ).map((r) => ({ type: r.event_type, sequence: r.event.data.sequence, data: r.event.data }));
  const newTicket = () => insertTicketRow((sql, p) => sut.query(sql, p), { partnerId, receivedAt: clock.now(), requesterId: 'client-1', status: 'new' });

  beforeAll(async () => {
    blobRoot = await mkdtemp(path.join(tmpdir(), 'tss-agent-replied-'));
    sut = await startServiceUnderTest(ticketIntakeService, { clock, env: { ATTACHMENT_DIR: blobRoot, TSS_MASTER_KEYS: `k1:${randomBytes(32).toString('base64')}` } });
  });
  afterAll(async () => {
    await sut?.stop();
    if (blobRoot) await rm(blobRoot, { recursive: true, force: true });
  });

  it('the first public reply publishes the message and the response it gives; a second reply publishes the message; an internal note nothing', async () => {
    const ticketId = await newTicket();
    const first = await post(ticketId, staffToken('agent-1'), { body: 'First answer: update to 4.2.2.' });
    const afterFirst = await publishedFor(ticketId);
    expect(afterFirst.map((e) => e.type)).toEqual(['ticket.agent_replied', 'ticket.responded', 'ticket.status_changed']);
    expect(afterFirst[0].data).toEqual({
      partnerId,
      sequence: afterFirst[0].sequence,
      messageId: first,
      authorId: 'agent-1',
      repliedAt: clock.now().toISOString(),
      body: 'First answer: update to 4.2.2.',
    });
    expect(afterFirst[1].data).toMatchObject({ messageId: first, authorId: 'agent-1', body: 'First answer: update to 4.2.2.' });

    clock.advanceMs(60_000);
    await post(ticketId, staffToken('agent-1'), { body: 'Internal: they run an unlicensed build.', visibility: 'internal' });
    expect(await publishedFor(ticketId)).toHaveLength(afterFirst.length);

    clock.advanceMs(60_000);
    const second = await post(ticketId, staffToken('agent-2'), { body: 'Second answer: clear the cache too.' });
    const afterSecond = (await publishedFor(ticketId)).slice(afterFirst.length);
    expect(afterSecond).toEqual([
      {
        type: 'ticket.agent_replied',
        sequence: afterFirst.at(-1)!.sequence + 1,
        data: {
          partnerId,
          sequence: afterFirst.at(-1)!.sequence + 1,
          messageId: second,
          authorId: 'agent-2',
          repliedAt: clock.now().toISOString(),
          body: 'Second answer: clear the cache too.',
        },
      },
    ]);

    // One history entry per event, as ever; the reply's words are on the thread, which the entry names.
    const history = await sut.http().get(`/v1/tickets/${ticketId}/history`).auth(staffToken('agent-1'), { type: 'bearer' });
    expect(history.status).toBe(200);
    const replies = (history.body as { items: { action: string; detail: Record<string, unknown> }[] }).items.filter((e) => e.action === 'agent_replied');
    expect(replies.map((e) => e.detail)).toEqual([
      { messageId: first, authorId: 'agent-1' },
      { messageId: second, authorId: 'agent-2' },
    ]);
  });

  it('P9: the published reply is masked as the thread shows it', async () => {
    const ticketId = await newTicket();
    await post(ticketId, staffToken('agent-1'), { body: 'First answer.' });
    await post(ticketId, staffToken('agent-1'), { body: 'Try this account: login: demo password: Hunter2Secret!' });
    const replies = (await publishedFor(ticketId)).filter((e) => e.type === 'ticket.agent_replied');
    expect(replies).toHaveLength(2);
    expect(JSON.stringify(replies)).not.toContain('Hunter2Secret!');
    const thread = await sut.http().get(`/v1/tickets/${ticketId}/thread`).auth(staffToken('agent-1'), { type: 'bearer' });
    expect(replies[1].data.body).toBe((thread.body as { items: { body: string }[] }).items.at(-1)!.body);
  });

  it('a reply longer than an event carries is cut for both events alike, never inside a surrogate pair (a lone half is text PostgreSQL refuses)', async () => {
    const ticketId = await newTicket();
    // 19,999 letters, then an emoji whose two UTF-16 halves straddle the events' 20,000-unit limit.
    const long = `${'a'.repeat(19_999)}😀 and the rest of a long answer.`;
    const response = await sut.http().post(`/v1/tickets/${ticketId}/messages`).auth(staffToken('agent-1'), { type: 'bearer' }).send({ body: long });
    expect(response.status).toBe(201);
    const carried = (await publishedFor(ticketId)).filter((e) => e.type === 'ticket.agent_replied' || e.type === 'ticket.responded').map((e) => [e.data.body, e.data.bodyCut]);
    // And each says it was cut, so the requester's mail says the rest is on the thread (outside check of 2026-12-05).
    expect(carried).toEqual([
      ['a'.repeat(19_999), true],
      ['a'.repeat(19_999), true],
    ]);
    const whole = await newTicket();
    await post(whole, staffToken('agent-1'), { body: 'A short answer.' });
    expect((await publishedFor(whole)).filter((e) => e.type === 'ticket.agent_replied').map((e) => [e.data.body, e.data.bodyCut])).toEqual([['A short answer.', undefined]]);
  });

  // An outside tester (a support agent's day): a reply naming an uploaded "Ошибка экрана.png" was
  // mailed without a word of the file; the event named none, so notification could not tell
  // (docs/adr/0035, addendum of 2026-12-05, fifth session).
  it('P8: a reply with files names each, as the thread shows it (P9: a name with particulars masked), with its size; the history entry does not repeat them', async () => {
    const ticketId = await newTicket();
    const upload = async (name: string) => {
      const uploaded = await sut.http().post(`/v1/tickets/${ticketId}/attachments`).auth(staffToken('agent-1'), { type: 'bearer' }).attach('file', pngBytes(), { filename: name, contentType: 'image/png' });
      expect(uploaded.status).toBe(201);
      return (uploaded.body as { items: { id: string; fileName: string; size: number }[] }).items[0];
    };
    const screenshot = await upload('Ошибка экрана.png');
    const secret = await upload('password FilePw#7788.png');
    expect(secret.fileName).not.toContain('FilePw#7788');
    // And a file sent with the message itself (multipart), after the ones it names.
    const form = await sut
      .http()
      .post(`/v1/tickets/${ticketId}/messages`)
      .auth(staffToken('agent-1'), { type: 'bearer' })
      .field('body', 'See the annotated screenshot.')
      .field('attachmentIds', screenshot.id)
      .field('attachmentIds', secret.id)
      .attach('file', pngBytes(), { filename: 'second <view>.png', contentType: 'image/png' });
    expect(form.status).toBe(201);
    const message = (form.body as { message: { id: string; attachmentIds: string[] } }).message;
    const [, , sent] = message.attachmentIds;
    const replied = (await publishedFor(ticketId)).filter((e) => e.type === 'ticket.agent_replied');
    expect(replied.map((e) => e.data.attachments)).toEqual([
      [
        { id: screenshot.id, fileName: 'Ошибка экрана.png', size: pngBytes().length },
        { id: secret.id, fileName: secret.fileName, size: pngBytes().length },
        { id: sent, fileName: 'second <view>.png', size: pngBytes().length },
      ],
    ]);
    expect(JSON.stringify(await publishedFor(ticketId))).not.toContain('FilePw#7788');
    // A reply without files names none.
    await post(ticketId, staffToken('agent-1'), { body: 'And one more thing.' });
    expect((await publishedFor(ticketId)).filter((e) => e.type === 'ticket.agent_replied').map((e) => 'attachments' in e.data)).toEqual([true, false]);
    const history = await sut.http().get(`/v1/tickets/${ticketId}/history`).auth(staffToken('agent-1'), { type: 'bearer' });
    const replies = (history.body as { items: { action: string; detail: Record<string, unknown> }[] }).items.filter((e) => e.action === 'agent_replied');
    expect(replies.map((e) => Object.keys(e.detail).sort())).toEqual([
      ['authorId', 'messageId'],
      ['authorId', 'messageId'],
    ]);
  });

  it('a staff member writing through a site link in the requester\'s name is the requester\'s message, not an agent reply', async () => {
    const ticketId = await newTicket();
    await post(ticketId, staffToken('agent-1'), { body: 'First answer.' });
    const before = (await publishedFor(ticketId)).length;
    await post(ticketId, onBehalfToken(), { body: 'Typed for the customer on the phone: it still fails.' });
    expect((await publishedFor(ticketId)).slice(before).map((e) => e.type)).toEqual(['ticket.message_received']);
  });
});
