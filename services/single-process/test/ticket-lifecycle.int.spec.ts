import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FilesystemBlobStorage, blobKey } from '@tss/blob-storage';
import {
  EscalationReferralRequestedV1,
  NotificationAcknowledgmentSentV1,
  NotificationEmailReceivedV1,
  RatingSubmittedV1,
  type EventContract,
} from '@tss/contracts';
import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { PROBLEM_CONTENT_TYPE } from '@tss/service-kit';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const DAY = 24 * 3_600_000;

// Issue #9: the request lifecycle, through the gateway, on real PostgreSQL.
describe('ticket lifecycle (issue #9)', () => {
  let platform: TestPlatform;
  let client: PlatformClient;
  type Client = { clientId: string; clientSecret: string; token: string };
  let acme: Client & { partnerId: string };
  let rival: Client & { partnerId: string };
  let agent: Client & { staffId: string };
  let otherAgent: Client & { staffId: string };
  let ann: string;
  const clock = new TestClock('2026-03-02T09:00:00.000Z');

  let blobRoot: string;

  beforeAll(async () => {
    blobRoot = await mkdtemp(path.join(tmpdir(), 'tss-lifecycle-blobs-'));
    platform = await startTestPlatform('ticket_lifecycle', { clock, env: { ATTACHMENT_DIR: blobRoot } });
    client = platform.client;
    const admin = await platform.adminToken();
    acme = await client.partner(admin, 'Acme Lifecycle');
    rival = await client.partner(admin, 'Rival Lifecycle');
    agent = await client.staff(admin, ['agent'], 'Dana Agent');
    otherAgent = await client.staff(admin, ['agent'], 'Eve Agent');
    ann = await client.requester(acme.token, 'cust-ann');
    await platform.partnerKnownToIntake(acme.partnerId);
  });

  afterAll(async () => {
    await platform?.stop();
    if (blobRoot) await rm(blobRoot, { recursive: true, force: true });
  });

  /** Moves the clock; tokens minted before would have expired, so every caller gets a fresh one. */
  const advance = async (ms: number) => {
    clock.advanceMs(ms);
    for (const c of [acme, rival, agent, otherAgent]) c.token = await client.token(c.clientId, c.clientSecret);
    ann = await client.requester(acme.token, 'cust-ann');
  };
  const http = () => client.http();
  const file = async (token: string, body: Record<string, unknown> = sampleTicket()) => {
    const response = await http().post('/v1/tickets').auth(token, { type: 'bearer' }).send(body);
    expect(response.status).toBe(201);
    return response.body as { id: string; reference: string; version: number; status: string };
  };
  const get = (path: string, token: string) => http().get(path).auth(token, { type: 'bearer' });
  const patch = (id: string, token: string, body: Record<string, unknown>, etag?: string) => {
    const request = http().patch(`/v1/tickets/${id}`).auth(token, { type: 'bearer' });
    return (etag ? request.set('if-match', etag) : request).send(body);
  };
  const etagOf = async (id: string) => (await get(`/v1/tickets/${id}`, agent.token)).headers.etag as string;
  const events = async (ticketId: string): Promise<({ type: string } & Record<string, unknown>)[]> =>
    (
      await platform.query<{ type: string; data: Record<string, unknown> }>(
        'ticket-intake',
        `SELECT event_type AS type, event->'data' AS data FROM ticket_intake.outbox WHERE event->>'subject' = $1 ORDER BY (event->'data'->>'sequence')::int`,
        [ticketId],
      )
    ).map((e) => ({ type: e.type, ...e.data }));
  const expectProblem = (response: { status: number; headers: Record<string, string>; body: { type?: string } }, status: number, type: string) => {
    expect({ status: response.status, type: response.body.type }).toEqual({ status, type: `https://tss.dev/problems/${type}` });
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
  };
  /** Publishes an event as another service's outbox would (what it asks intake to do). */
  const publishAs = async <C extends EventContract>(service: string, contract: C, subject: string, data: unknown) => {
    const host = platform.running.platform.host(service);
    await host.unitOfWork.run((tx) => host.outbox.add(tx, contract, subject, data as never));
  };

  describe('filing', () => {
    it('records channel and language; a ticket starts new, owing a response, with its creation in the history', async () => {
      const ticket = await file(acme.token, sampleTicket({ language: 'ru' }));
      const read = await get(`/v1/tickets/${ticket.id}`, acme.token);
      expect(read.body).toMatchObject({ status: 'new', channel: 'api', language: 'ru', responseOwed: true, levelConfirmed: false, version: 2 });
      expect(read.headers.etag).toBe('"2"');
      const history = await get(`/v1/tickets/${ticket.id}/history`, acme.token);
      expect(history.body.items[0]).toMatchObject({ action: 'created', actor: { kind: 'partner' }, sequence: 1, detail: { channel: 'api' } });
      // Every event of the filing has its entry, numbered as the events are: the 201 accepted it.
      expect(history.body.items.map((h: { action: string; sequence: number }) => [h.action, h.sequence])).toEqual([
        ['created', 1],
        ['accepted', 2],
      ]);
      expect(history.body.items[1]).toMatchObject({ detail: { via: 'api' } });
    });

    it('P12: an agent registers a phone contact for a partner at consulting unless the level is confirmed', async () => {
      const phone = await http().post('/v1/tickets').auth(agent.token, { type: 'bearer' }).send(sampleTicket({ partnerId: acme.partnerId }));
      expect(phone.status).toBe(201);
      expect(phone.body).toMatchObject({ channel: 'phone', level: 'consulting', levelConfirmed: false });
      expect(phone.body.acceptedAt).toBeUndefined(); // P3: accepted once the acknowledgment is sent
      const confirmed = await http()
        .post('/v1/tickets')
        .auth(agent.token, { type: 'bearer' })
        .send(sampleTicket({ partnerId: acme.partnerId, level: 'standard', levelConfirmed: true }));
      expect(confirmed.body).toMatchObject({ channel: 'phone', level: 'standard', levelConfirmed: true });
      expect((await get(`/v1/tickets/${phone.body.id}`, acme.token)).status).toBe(200);
      expect((await get(`/v1/tickets/${phone.body.id}`, rival.token)).status).toBe(404);
    });

    it('staff must name the partner; partners and requesters cannot name one, register phone contacts or confirm levels', async () => {
      expectProblem(await http().post('/v1/tickets').auth(agent.token, { type: 'bearer' }).send(sampleTicket()), 422, 'unprocessable');
      expectProblem(await http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).send(sampleTicket({ channel: 'phone' })), 422, 'unprocessable');
      expectProblem(await http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).send(sampleTicket({ levelConfirmed: true })), 422, 'unprocessable');
      expectProblem(await http().post('/v1/tickets').auth(ann, { type: 'bearer' }).send(sampleTicket({ partnerId: rival.partnerId })), 422, 'unprocessable');
    });

    it('P5/P12: a filing is checked as a PATCH is: development only by referral, a confirmed emergency needs its critical error, a phone contact is consulting unless confirmed, the partner must exist', async () => {
      const ghost = randomUUID();
      const filedFor = async (partnerId: string) =>
        (await platform.query<{ n: number }>('ticket-intake', 'SELECT count(*)::int AS n FROM ticket_intake.tickets WHERE partner_id = $1', [partnerId]))[0].n;
      const before = await filedFor(acme.partnerId);
      const refused = async (token: string, body: Record<string, unknown>, pointer: string) => {
        const response = await http().post('/v1/tickets').auth(token, { type: 'bearer' }).send(body);
        expectProblem(response, 422, 'unprocessable');
        expect(response.body.errors?.[0]?.pointer).toBe(pointer);
      };
      await refused(acme.token, sampleTicket({ level: 'development' }), '/level');
      await refused(ann, sampleTicket({ level: 'development' }), '/level');
      await refused(agent.token, sampleTicket({ partnerId: acme.partnerId, level: 'development', levelConfirmed: true }), '/level');
      await refused(agent.token, sampleTicket({ partnerId: acme.partnerId, level: 'emergency', levelConfirmed: true }), '/criticalErrorConfirmed');
      await refused(agent.token, sampleTicket({ partnerId: acme.partnerId, level: 'emergency' }), '/levelConfirmed');
      await refused(agent.token, sampleTicket({ partnerId: ghost }), '/partnerId');
      // A partner whose partner.created intake never handled stays unknown: the answer says how to re-announce it.
      const unknown = await http().post('/v1/tickets').auth(agent.token, { type: 'bearer' }).send(sampleTicket({ partnerId: ghost }));
      expect(unknown.body.detail).toContain(`is announced again by an admin's PATCH /v1/partners/${ghost} with its current name, then retry.`);
      expectProblem(await http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).send(sampleTicket({ criticalErrorConfirmed: true })), 422, 'unprocessable');
      expect([await filedFor(acme.partnerId), await filedFor(ghost)]).toEqual([before, 0]);

      const emergency = await http()
        .post('/v1/tickets')
        .auth(agent.token, { type: 'bearer' })
        .send(sampleTicket({ partnerId: acme.partnerId, level: 'emergency', levelConfirmed: true, criticalErrorConfirmed: true }));
      expect(emergency.status).toBe(201);
      expect(emergency.body).toMatchObject({ channel: 'phone', level: 'emergency', levelConfirmed: true });
      // A partner's emergency stays a suggestion (P5): filed, unconfirmed, until an agent confirms it.
      expect((await file(acme.token, sampleTicket({ level: 'emergency' }))).status).toBe('new');
    });

    it('an Idempotency-Key belongs to its caller: a requester reusing its partner’s key files its own ticket', async () => {
      const key = `shared-${randomUUID()}`;
      const body = sampleTicket({ requester: { id: 'cust-ann' } });
      const byPartner = await http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).set('idempotency-key', key).send(body);
      const byAnn = await http().post('/v1/tickets').auth(ann, { type: 'bearer' }).set('idempotency-key', key).send(body);
      expect([byPartner.status, byAnn.status]).toEqual([201, 201]);
      expect(byAnn.headers['idempotent-replayed']).toBeUndefined();
      expect(byAnn.body.id).not.toBe(byPartner.body.id);
    });

    it('P9: access particulars pasted into a new request are vaulted before the ticket, its search or its event holds them', async () => {
      const secret = 'Zq8!vTr42-pw';
      const ticket = await file(acme.token, sampleTicket({ description: `Cannot log in to the admin part.\nlogin: admin@acme.example password: ${secret}` }));
      const thread = await get(`/v1/tickets/${ticket.id}/thread`, acme.token);
      expect(thread.body.request.description).not.toContain(secret);
      expect(thread.body.request.description).toMatch(/\[credentials stored securely: TSS vault #[0-9a-f]{8}\]/);
      expect(thread.body.items.map((m: { author: { kind: string } }) => m.author.kind)).toEqual(['system']);
      const listed = await get(`/v1/tickets/${ticket.id}/credentials`, agent.token);
      expect(listed.body.items ?? listed.body).toHaveLength(1);
      const leaks = await platform.query<{ n: number }>(
        'ticket-intake',
        `SELECT (SELECT count(*) FROM ticket_intake.tickets WHERE request::text LIKE $1) + (SELECT count(*) FROM ticket_intake.outbox WHERE event::text LIKE $1) AS n`,
        [`%${secret}%`],
      );
      expect(Number(leaks[0].n)).toBe(0);
      // P9: the resolution tells whoever mails the requester that particulars are held and must be changed.
      await patch(ticket.id, agent.token, { status: 'resolved' }, await etagOf(ticket.id));
      expect((await events(ticket.id)).find((e) => e.type === 'ticket.resolved')).toMatchObject({ credentialsHeld: true });
      const plain = await file(acme.token);
      await patch(plain.id, agent.token, { status: 'resolved' }, await etagOf(plain.id));
      expect((await events(plain.id)).find((e) => e.type === 'ticket.resolved')).toMatchObject({ credentialsHeld: false });
    });
  });

  describe('the filed request, read back (P2)', () => {
    const DETAILS = {
      stepsToReproduce: '1. Open the library 2. Tap any EPUB',
      browser: 'Chrome 131',
      operatingSystem: 'Windows',
      operatingSystemVersion: '11 23H2',
      connectivity: 'Office Wi-Fi behind a proxy',
      antivirus: 'Defender, real-time protection on',
    };
    const LONG = ['description', 'stepsToReproduce', 'connectivity', 'antivirus'];
    const requester = { id: 'cust-ann', name: 'Ann Example', email: 'ann@example.com' };

    it('the ticket carries the details it was filed with, its partner and its requester (id, name, e-mail) for the partner, staff and the requester', async () => {
      const ticket = await file(acme.token, sampleTicket({ ...DETAILS, requester }));
      const expected = { partnerId: acme.partnerId, requester, description: sampleTicket().description, ...DETAILS };

      for (const token of [acme.token, agent.token, ann]) expect((await get(`/v1/tickets/${ticket.id}`, token)).body).toMatchObject(expected);
      // Every answer that is the ticket says the same: the filing's 201, an agent's PATCH.
      const changed = await patch(ticket.id, agent.token, { category: 'software_errors' }, await etagOf(ticket.id));
      expect(changed.body).toMatchObject(expected);
      const thread = await get(`/v1/tickets/${ticket.id}/thread`, acme.token);
      expect(thread.body.request).toMatchObject({ product: 'reader', productVersion: '4.2.1', ...DETAILS });
    });

    it('lists (tickets, queue) carry the partner, the requester and the short details, not the long texts', async () => {
      const ticket = await file(acme.token, sampleTicket({ ...DETAILS, requester }));
      const listed = (await get(`/v1/tickets?partnerId=${acme.partnerId}&limit=200`, agent.token)).body.items.find((t: { id: string }) => t.id === ticket.id);
      const queued = (await get('/v1/queue?assignee=any&limit=200', agent.token)).body.items.find((e: { ticket: { id: string } }) => e.ticket.id === ticket.id)?.ticket;
      const short = { partnerId: acme.partnerId, requester, browser: DETAILS.browser, operatingSystem: DETAILS.operatingSystem, operatingSystemVersion: DETAILS.operatingSystemVersion };

      for (const summary of [listed, queued]) {
        expect(summary).toMatchObject(short);
        expect(LONG.filter((field) => field in summary)).toEqual([]);
      }
      expect((await get('/v1/tickets?limit=200', ann)).body.items.find((t: { id: string }) => t.id === ticket.id)).toMatchObject({ requester });
    });

    it('P9: access particulars in the details are vaulted and masked, as in the description', async () => {
      const secret = 'Px9!proxy-pass';
      const ticket = await file(acme.token, sampleTicket({ connectivity: `Through our proxy, login: proxyuser password: ${secret}`, antivirus: `Kaspersky, settings password: ${secret}2` }));
      const read = await get(`/v1/tickets/${ticket.id}`, agent.token);

      expect(JSON.stringify(read.body)).not.toContain(secret);
      expect(read.body.connectivity).toMatch(/^Through our proxy, \[credentials stored securely: TSS vault #[0-9a-f]{8}\]$/);
      expect(read.body.antivirus).toMatch(/\[credentials stored securely: TSS vault #[0-9a-f]{8}\]/);
      expect((await get(`/v1/tickets/${ticket.id}/credentials`, agent.token)).body.items).toHaveLength(2);
      const leaks = await platform.query<{ n: number }>('ticket-intake', 'SELECT count(*)::int AS n FROM ticket_intake.tickets WHERE request::text LIKE $1', [`%${secret}%`]);
      expect(leaks[0].n).toBe(0);
    });
  });

  describe('references (P3)', () => {
    it('every ticket route takes the reference in any case, with or without dashes', async () => {
      const ticket = await file(acme.token);
      const loose = ticket.reference.toLowerCase().replace(/-/g, '').replace(/^tss/, '');
      const paths = ['', '/thread', '/history', '/attachments', '/credentials'].map((tail, i) => `/v1/tickets/${i % 2 ? loose : ticket.reference.toLowerCase()}${tail}`);
      for (const path of paths) {
        const response = await get(path, acme.token);
        expect(response.status).toBe(200);
      }
      expect((await get(`/v1/tickets/${loose}`, acme.token)).body.id).toBe(ticket.id);
    });

    it('white space before, after or inside a reference is ignored, as case and dashes are (ADR 0008)', async () => {
      const ticket = await file(acme.token);
      for (const typed of [` ${ticket.reference}`, `${ticket.reference} `, `  ${ticket.reference.replace(/-/g, ' ')}  `]) {
        const response = await get(`/v1/tickets/${encodeURIComponent(typed)}`, acme.token);
        expect({ typed, status: response.status, id: response.body.id }).toEqual({ typed, status: 200, id: ticket.id });
      }
    });

    it('a wrong check character is 400 "invalid reference"; an unknown valid one and another partner’s are 404', async () => {
      const ticket = await file(acme.token);
      const last = ticket.reference.at(-1)!;
      const wrong = ticket.reference.slice(0, -1) + (last === '0' ? '1' : '0');
      const invalid = await get(`/v1/tickets/${wrong}`, acme.token);
      expectProblem(invalid, 400, 'invalid-reference');
      expect(invalid.body.title).toBe('Invalid reference');
      expectProblem(await get('/v1/tickets/TSS-00000-00000', acme.token), 404, 'not-found');
      expectProblem(await get(`/v1/tickets/${ticket.reference}`, rival.token), 404, 'not-found');
      expectProblem(await http().post(`/v1/tickets/${ticket.reference}/messages`).auth(rival.token, { type: 'bearer' }).send({ body: 'hi' }), 404, 'not-found');
    });
  });

  describe('agents change tickets with If-Match', () => {
    it('428 without If-Match, 412 when the ticket changed meanwhile, 200 with the new ETag otherwise', async () => {
      const ticket = await file(acme.token);
      expectProblem(await patch(ticket.id, agent.token, { category: 'software_errors' }), 428, 'precondition-required');
      const etag = await etagOf(ticket.id);
      const first = await patch(ticket.id, agent.token, { category: 'software_errors' }, etag);
      expect(first.status).toBe(200);
      expect(first.headers.etag).not.toBe(etag);
      const stale = await patch(ticket.id, otherAgent.token, { assigneeId: otherAgent.staffId }, etag);
      expectProblem(stale, 412, 'precondition-failed');
      expect((await get(`/v1/tickets/${ticket.id}`, agent.token)).body).toMatchObject({ category: 'software_errors' });
      expect((await get(`/v1/tickets/${ticket.id}`, agent.token)).body.assigneeId).toBeUndefined();
    });

    it('RFC 9110 §13.1.1: If-Match compares strongly, so the weak form of the current ETag is a 412 and changes nothing', async () => {
      const ticket = await file(acme.token);
      const etag = await etagOf(ticket.id);
      expectProblem(await patch(ticket.id, agent.token, { category: 'theory' }, `W/${etag}`), 412, 'precondition-failed');
      expect(await etagOf(ticket.id)).toBe(etag);
      expect((await get(`/v1/tickets/${ticket.id}`, agent.token)).body.category).toBeUndefined();
      expect((await patch(ticket.id, agent.token, { category: 'theory' }, `"0", ${etag}`)).status).toBe(200);
    });

    it('If-Match: * names no version, so it is refused as a missing If-Match (428) and changes nothing', async () => {
      const ticket = await file(acme.token);
      const etag = await etagOf(ticket.id);
      for (const any of ['*', ' * ']) {
        const refused = await patch(ticket.id, agent.token, { category: 'theory' }, any);
        expectProblem(refused, 428, 'precondition-required');
        expect(refused.body.detail).toContain('ETag');
      }
      expect(await etagOf(ticket.id)).toBe(etag);
      expect((await get(`/v1/tickets/${ticket.id}`, agent.token)).body.category).toBeUndefined();
    });

    it('RFC 9110 §13.1.2: If-None-Match naming the current ETag (weak or strong) is a 304 without a body; a stale one gets the ticket', async () => {
      const ticket = await file(acme.token);
      const etag = await etagOf(ticket.id);
      for (const ifNoneMatch of [etag, `W/${etag}`, `"0", ${etag}`, '*']) {
        const cached = await get(`/v1/tickets/${ticket.reference}`, acme.token).set('if-none-match', ifNoneMatch);
        expect([cached.status, cached.headers.etag, cached.text ?? '']).toEqual([304, etag, '']);
      }
      expect((await patch(ticket.id, agent.token, { category: 'theory' }, etag)).status).toBe(200);
      const changed = await get(`/v1/tickets/${ticket.id}`, acme.token).set('if-none-match', etag);
      expect(changed.status).toBe(200);
      expect(changed.body).toMatchObject({ id: ticket.id, category: 'theory' });
      // Tenancy first: another partner learns nothing from a 304.
      expect((await get(`/v1/tickets/${ticket.id}`, rival.token).set('if-none-match', '*')).status).toBe(404);
    });

    it('two agents with the same ETag at once: one wins, the other gets 412', async () => {
      const ticket = await file(acme.token);
      const etag = await etagOf(ticket.id);
      const answers = await Promise.all([
        patch(ticket.id, agent.token, { assigneeId: agent.staffId }, etag),
        patch(ticket.id, otherAgent.token, { assigneeId: otherAgent.staffId }, etag),
      ]);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 412]);
      const assigned = (await events(ticket.id)).filter((e) => e.type === 'ticket.assigned');
      expect(assigned).toHaveLength(1);
    });

    it('partners and requesters cannot PATCH (403)', async () => {
      const ticket = await file(acme.token);
      expectProblem(await patch(ticket.id, acme.token, { category: 'theory' }, '"2"'), 403, 'forbidden');
      expectProblem(await patch(ticket.id, ann, { category: 'theory' }, '"2"'), 403, 'forbidden');
    });

    it('an illegal transition is 409 naming the allowed statuses, and changes nothing', async () => {
      const ticket = await file(acme.token);
      const resolved = await patch(ticket.id, agent.token, { status: 'resolved' }, await etagOf(ticket.id));
      expect(resolved.status).toBe(200);
      const illegal = await patch(ticket.id, agent.token, { status: 'awaiting_customer', waitReason: 'malware' }, resolved.headers.etag);
      expectProblem(illegal, 409, 'invalid-transition');
      expect(illegal.body.allowed).toEqual(['open', 'closed']);
      expect((await get(`/v1/tickets/${ticket.id}`, agent.token)).headers.etag).toBe(resolved.headers.etag);
    });

    it('P10: a requester-side reason stops the response owed; a support-side one is refused there and recorded as a delay', async () => {
      const ticket = await file(acme.token);
      const supportSide = await patch(ticket.id, agent.token, { status: 'awaiting_customer', waitReason: 'needs_diagnostics' }, await etagOf(ticket.id));
      expectProblem(supportSide, 400, 'validation');
      expect(JSON.stringify(supportSide.body.errors)).toContain('/waitReason');
      const delay = await patch(ticket.id, agent.token, { supportDelay: 'needs_diagnostics' }, await etagOf(ticket.id));
      expect(delay.body).toMatchObject({ status: 'new', supportDelay: 'needs_diagnostics', responseOwed: true });
      const waiting = await patch(ticket.id, agent.token, { status: 'awaiting_customer', waitReason: 'cannot_reproduce', note: 'Need a video' }, delay.headers.etag);
      expect(waiting.body).toMatchObject({ status: 'awaiting_customer', waitReason: 'cannot_reproduce', responseOwed: false });
      const changes = (await events(ticket.id)).filter((e) => e.type === 'ticket.status_changed');
      expect(changes.at(-1)).toMatchObject({ from: 'new', to: 'awaiting_customer', reason: 'cannot_reproduce' });
      const history = (await get(`/v1/tickets/${ticket.id}/history`, acme.token)).body.items;
      expect(history.at(-1)).toMatchObject({ action: 'status_changed', actor: { kind: 'staff', id: agent.staffId }, detail: { note: 'Need a video' } });
    });

    it('P5: reclassification publishes ticket.level_changed; emergency needs a confirmed critical error; development is the referral route\'s', async () => {
      const ticket = await file(acme.token);
      expectProblem(await patch(ticket.id, agent.token, { level: 'emergency' }, await etagOf(ticket.id)), 422, 'unprocessable');
      const up = await patch(ticket.id, agent.token, { level: 'emergency', criticalErrorConfirmed: true }, await etagOf(ticket.id));
      expect(up.body).toMatchObject({ level: 'emergency', levelConfirmed: true });
      // A PATCH does not refer: the referral records the reason and calls development in (docs/adr/0039, fifth session).
      const dev = await patch(ticket.id, agent.token, { level: 'development' }, up.headers.etag);
      expectProblem(dev, 422, 'unprocessable');
      expect(dev.body.detail).toContain(`POST /v1/tickets/${ticket.id}/referrals`);
      const levels = (await events(ticket.id)).filter((e) => e.type === 'ticket.level_changed');
      expect(levels.map((e) => [e.from, e.to, e.confirmed])).toEqual([['standard', 'emergency', true]]);
    });

    it('nothing is dropped in silence: the status a ticket has is a 409, a resolved ticket keeps its level and closes without an out-of-scope closure', async () => {
      const ticket = await file(acme.token);
      const resolved = await patch(ticket.id, agent.token, { status: 'resolved', note: 'Fixed in 4.2.2' }, await etagOf(ticket.id));
      expect(resolved.status).toBe(200);
      const again = await patch(ticket.id, agent.token, { status: 'resolved', note: 'again' }, resolved.headers.etag);
      expectProblem(again, 409, 'invalid-transition');
      expect(again.body).toMatchObject({ detail: 'The ticket is already resolved. Allowed: open, closed.', allowed: ['open', 'closed'] });
      const reclassified = await patch(ticket.id, agent.token, { level: 'consulting' }, resolved.headers.etag);
      expectProblem(reclassified, 409, 'invalid-transition');
      const outOfScope = await patch(ticket.id, agent.token, { status: 'closed', closure: { reason: 'malware_removal', thirdParty: 'security_software_vendor' } }, resolved.headers.etag);
      expectProblem(outOfScope, 422, 'unprocessable');
      expect(outOfScope.body.errors[0].pointer).toBe('/closure');
      const noChange = await patch(ticket.id, agent.token, { note: 'just a remark' }, resolved.headers.etag);
      expectProblem(noChange, 422, 'unprocessable');
      expect((await get(`/v1/tickets/${ticket.id}`, agent.token)).headers.etag).toBe(resolved.headers.etag);
      const closed = await patch(ticket.id, agent.token, { status: 'closed' }, resolved.headers.etag);
      expect(closed.body).toMatchObject({ status: 'closed', level: 'standard', closure: { reason: 'closed_by_support' } });
    });

    it('P6: an out-of-scope closure is a case of the ticket’s category with a third party the catalogue names for it', async () => {
      const ticket = await file(acme.token);
      const categorised = await patch(ticket.id, agent.token, { category: 'installation_setup' }, await etagOf(ticket.id));
      const mismatched = await patch(ticket.id, agent.token, { status: 'closed', closure: { reason: 'general_programming', thirdParty: 'hosting_provider' } }, categorised.headers.etag);
      expectProblem(mismatched, 422, 'unprocessable');
      expect(mismatched.body.errors[0].pointer).toBe('/closure/reason');
      const wrongParty = await patch(ticket.id, agent.token, { status: 'closed', closure: { reason: 'product_wont_install', thirdParty: 'hosting_provider' } }, categorised.headers.etag);
      expectProblem(wrongParty, 422, 'unprocessable');
      expect(wrongParty.body.errors[0].pointer).toBe('/closure/thirdParty');
      const closed = await patch(ticket.id, agent.token, { status: 'closed', closure: { reason: 'product_wont_install', thirdParty: 'hardware_or_os_vendor' } }, categorised.headers.etag);
      expect(closed.body).toMatchObject({ status: 'closed', closure: { reason: 'product_wont_install', thirdParty: 'hardware_or_os_vendor' } });
    });

    it('P4: assigneeId null returns a ticket to the unassigned queue, recorded and announced like an assignment', async () => {
      const ticket = await file(acme.token);
      const assigned = await patch(ticket.id, agent.token, { assigneeId: agent.staffId }, await etagOf(ticket.id));
      expect(assigned.body).toMatchObject({ status: 'open', assigneeId: agent.staffId });
      // rating counts a ticket's facts for its assignee (groupBy=agent): its projection follows both events.
      const ratingAssignee = async () => (await platform.query<{ assignee_id: string | null }>('rating', 'SELECT assignee_id FROM rating.tickets WHERE ticket_id = $1', [ticket.id]))[0]?.assignee_id;
      await waitFor('rating to see the assignment', async () => (await ratingAssignee()) === agent.staffId);
      const freed = await patch(ticket.id, otherAgent.token, { assigneeId: null, note: 'Dana is away' }, assigned.headers.etag);
      expect(freed.status).toBe(200);
      expect(freed.body.assigneeId).toBeUndefined();
      expect(freed.body.status).toBe('open');
      expect((await events(ticket.id)).at(-1)).toMatchObject({ type: 'ticket.unassigned', previousAssigneeId: agent.staffId });
      const history = (await get(`/v1/tickets/${ticket.id}/history`, acme.token)).body.items;
      expect(history.at(-1)).toMatchObject({ action: 'unassigned', actor: { kind: 'staff', id: otherAgent.staffId }, detail: { previousAssigneeId: agent.staffId, note: 'Dana is away' } });
      const unassignedQueue = await get('/v1/queue?limit=200', agent.token);
      expect(unassignedQueue.body.items.map((e: { ticket: { id: string } }) => e.ticket.id)).toContain(ticket.id);
      expectProblem(await patch(ticket.id, acme.token, { assigneeId: null }, freed.headers.etag), 403, 'forbidden');
      await waitFor('rating to see the unassignment', async () => (await ratingAssignee()) === null);
    });

    it('P6: an out-of-scope closure names a catalogued reason and the third party; feature requests owe nothing', async () => {
      const ticket = await file(acme.token);
      expectProblem(await patch(ticket.id, agent.token, { status: 'closed' }, await etagOf(ticket.id)), 422, 'unprocessable');
      expectProblem(
        await patch(ticket.id, agent.token, { status: 'closed', closure: { reason: 'not_a_reason', thirdParty: 'hosting_provider' } }, await etagOf(ticket.id)),
        400,
        'validation',
      );
      const closed = await patch(
        ticket.id,
        agent.token,
        { status: 'closed', closure: { reason: 'server_or_proxy_connectivity', thirdParty: 'network_or_proxy_administrator' } },
        await etagOf(ticket.id),
      );
      expect(closed.body).toMatchObject({ status: 'closed', closure: { reason: 'server_or_proxy_connectivity', thirdParty: 'network_or_proxy_administrator' } });
      expect((await events(ticket.id)).at(-1)).toMatchObject({ type: 'ticket.closed', reason: 'server_or_proxy_connectivity', thirdParty: 'network_or_proxy_administrator' });
      const feature = await file(acme.token);
      const moved = await patch(feature.id, agent.token, { status: 'feature_request', category: 'theory' }, await etagOf(feature.id));
      expect(moved.body).toMatchObject({ status: 'feature_request', responseOwed: false, category: 'theory' });
    });
  });

  describe('messages and the thread (P8)', () => {
    it('a requester reply on a ticket awaiting them reopens the work; an agent’s public reply is the response; notes stay internal', async () => {
      const ticket = await file(ann);
      await patch(ticket.id, agent.token, { status: 'awaiting_customer', waitReason: 'insufficient_information' }, await etagOf(ticket.id));
      const reply = await http().post(`/v1/tickets/${ticket.id}/messages`).auth(ann, { type: 'bearer' }).send({ body: 'Windows 11, Chrome 131.' });
      expect(reply.status).toBe(201);
      expect(reply.body.ticket).toMatchObject({ status: 'open', responseOwed: true });
      expect(reply.body.message).toMatchObject({ author: { kind: 'requester', id: 'cust-ann' }, visibility: 'public', channel: 'api' });
      const note = await http().post(`/v1/tickets/${ticket.id}/messages`).auth(agent.token, { type: 'bearer' }).send({ body: 'Looks like #4411', visibility: 'internal' });
      expect(note.body.ticket.responseOwed).toBe(true);
      const answer = await http().post(`/v1/tickets/${ticket.id}/messages`).auth(agent.token, { type: 'bearer' }).send({ body: 'Fixed in 4.2.2, please update.' });
      expect(answer.body.ticket.responseOwed).toBe(false);
      // The reply travels with ticket.responded, so the requester's mail can carry it (notification, P8).
      expect((await events(ticket.id)).find((e) => e.type === 'ticket.responded')).toMatchObject({ body: 'Fixed in 4.2.2, please update.' });
      expectProblem(await http().post(`/v1/tickets/${ticket.id}/messages`).auth(acme.token, { type: 'bearer' }).send({ body: 'x', visibility: 'internal' }), 403, 'forbidden');

      const partnerThread = await get(`/v1/tickets/${ticket.reference}/thread`, acme.token);
      expect(partnerThread.body.request.description).toBe(sampleTicket().description);
      expect(partnerThread.body.items.map((m: { body: string }) => m.body)).toEqual(['Windows 11, Chrome 131.', 'Fixed in 4.2.2, please update.']);
      const staffThread = await get(`/v1/tickets/${ticket.id}/thread`, agent.token);
      expect(staffThread.body.items.map((m: { visibility: string }) => m.visibility)).toEqual(['public', 'internal', 'public']);
      expect((await events(ticket.id)).map((e) => e.type)).toEqual([
        'ticket.created',
        'ticket.accepted',
        'ticket.status_changed',
        'ticket.message_received',
        'ticket.status_changed',
        // Every public agent message, then the response owed it gave (docs/adr/0035, addendum of 2026-12-05).
        'ticket.agent_replied',
        'ticket.responded',
      ]);
    });

    it('P8: a message and its screenshot in one multipart request; a refused file refuses the message', async () => {
      const ticket = await file(ann);
      const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
      const posted = await http()
        .post(`/v1/tickets/${ticket.reference}/messages`)
        .auth(ann, { type: 'bearer' })
        .field('body', 'Screenshot of the crash attached.')
        .attach('file', png, 'crash.png');
      expect(posted.status).toBe(201);
      expect(posted.body.message).toMatchObject({ body: 'Screenshot of the crash attached.', attachmentIds: [expect.any(String)] });
      const listed = await get(`/v1/tickets/${ticket.id}/attachments`, ann);
      expect(listed.body.items).toEqual([expect.objectContaining({ id: posted.body.message.attachmentIds[0], messageId: posted.body.message.id })]);
      const bmp = Buffer.concat([Buffer.from('BM'), Buffer.alloc(60)]);
      const refused = await http().post(`/v1/tickets/${ticket.id}/messages`).auth(ann, { type: 'bearer' }).field('body', 'raw bmp').attach('file', bmp, 'shot.bmp');
      expectProblem(refused, 415, 'unsupported-media-type');
      expect((await get(`/v1/tickets/${ticket.id}/thread`, ann)).body.items).toHaveLength(1);
      const noBody = await http().post(`/v1/tickets/${ticket.id}/messages`).auth(ann, { type: 'bearer' }).attach('file', png, 'only.png');
      expectProblem(noBody, 400, 'bad-request');
      expect(noBody.body.errors).toEqual([expect.objectContaining({ pointer: '/body', missingProperty: 'body' })]);
      expect((await get(`/v1/tickets/${ticket.id}/attachments`, ann)).body.items).toHaveLength(1); // the refused forms stored nothing
    });

    it('P8: a multipart message names uploaded attachments in attachmentIds parts (one per id), with or without files of its own', async () => {
      const ticket = await file(ann);
      const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
      const upload = async (): Promise<string> => (await http().post(`/v1/tickets/${ticket.id}/attachments`).auth(ann, { type: 'bearer' }).attach('file', png, 'shot.png')).body.items[0].id;
      const [first, second, third] = [await upload(), await upload(), await upload()];
      const message = () => http().post(`/v1/tickets/${ticket.id}/messages`).auth(ann, { type: 'bearer' });

      const one = await message().field('body', 'hi').field('attachmentIds', first);
      expect(one.status).toBe(201);
      expect(one.body.message.attachmentIds).toEqual([first]);
      const two = await message().field('body', 'two more').field('attachmentIds', second).field('attachmentIds', third);
      expect(two.status).toBe(201);
      expect(two.body.message.attachmentIds).toEqual([second, third]);
      const withFile = await message().field('body', 'and a new one').attach('file', png, 'new.png');
      expect(withFile.status).toBe(201);

      const linked = (await get(`/v1/tickets/${ticket.id}/attachments`, ann)).body.items as { id: string; messageId: string | null }[];
      expect(linked.filter((a) => a.messageId === one.body.message.id).map((a) => a.id)).toEqual([first]);
      // Uploaded in one instant (the test clock stands still): listed in either order.
      expect(linked.filter((a) => a.messageId === two.body.message.id).map((a) => a.id).sort()).toEqual([second, third].sort());
      const fourth = await upload();
      const both = await message().field('body', 'named and sent').field('attachmentIds', fourth).attach('file', png, 'sent.png');
      expect(both.status).toBe(201);
      expect(both.body.message.attachmentIds).toEqual([fourth, expect.any(String)]);
      // An id named twice, or one already linked, is refused like its JSON form, and keeps nothing.
      expectProblem(await message().field('body', 'again').field('attachmentIds', first), 422, 'unprocessable');
      const notAnId = await message().field('body', 'x').field('attachmentIds', 'not-a-uuid');
      expectProblem(notAnId, 400, 'validation');
      expect(notAnId.body.errors).toEqual([expect.objectContaining({ pointer: '/attachmentIds/0' })]);
      expectProblem(await message().field('body', 'x').field('colour', 'red'), 400, 'bad-request');
      expect((await get(`/v1/tickets/${ticket.id}/thread`, ann)).body.items).toHaveLength(4);
    });

    it('the thread and the history come a page at a time: 100 by default, then nextCursor to the last page, nothing repeated or skipped', async () => {
      const ticket = await file(acme.token);
      // 150 messages (every tenth an internal note) and 150 history entries, written straight to the
      // tables: the paging is under test, not the posting.
      await platform.query(
        'ticket-intake',
        `INSERT INTO ticket_intake.messages (id, ticket_id, partner_id, author_kind, author_id, visibility, channel, body, created_at)
         SELECT gen_random_uuid(), $1, $2, 'requester', 'cust-ann', CASE WHEN n % 10 = 0 THEN 'internal' ELSE 'public' END, 'api', 'message ' || n, $3
           FROM generate_series(1, 150) AS n ORDER BY n`,
        [ticket.id, acme.partnerId, clock.now()],
      );
      await platform.query(
        'ticket-intake',
        `INSERT INTO ticket_intake.ticket_history (ticket_id, partner_id, at, actor_kind, actor_id, action, detail)
         SELECT $1, $2, $3, 'staff', 'dana', 'note_' || n, '{}' FROM generate_series(1, 150) AS n ORDER BY n`,
        [ticket.id, acme.partnerId, clock.now()],
      );
      const pages = async (path: string, token: string, limit?: number) => {
        const items: { body?: string; action?: string }[] = [];
        const sizes: number[] = [];
        for (let cursor: string | undefined, first = true; first || cursor; first = false) {
          const query = new URLSearchParams({ ...(limit ? { limit: String(limit) } : {}), ...(cursor ? { cursor } : {}) }).toString();
          const page = await get(`${path}${query ? `?${query}` : ''}`, token);
          expect(page.status).toBe(200);
          items.push(...page.body.items);
          sizes.push(page.body.items.length);
          cursor = page.body.nextCursor;
        }
        return { items, sizes };
      };
      const publicBodies = Array.from({ length: 150 }, (_, i) => i + 1).filter((n) => n % 10 !== 0).map((n) => `message ${n}`);

      const thread = await get(`/v1/tickets/${ticket.id}/thread`, acme.token);
      expect(thread.body.items).toHaveLength(100);
      expect(thread.body.nextCursor).toEqual(expect.any(String));
      expect(thread.body.request.description).toBe(sampleTicket().description);
      const partnerThread = await pages(`/v1/tickets/${ticket.id}/thread`, acme.token, 40);
      expect(partnerThread.sizes).toEqual([40, 40, 40, 15]);
      expect(partnerThread.items.map((m) => m.body)).toEqual(publicBodies);
      expect((await pages(`/v1/tickets/${ticket.id}/thread`, agent.token)).sizes).toEqual([100, 50]);
      const history = await pages(`/v1/tickets/${ticket.id}/history`, acme.token);
      expect(history.sizes).toEqual([100, 52]); // the filing's two entries first
      expect(history.items.slice(2).map((e) => e.action)).toEqual(Array.from({ length: 150 }, (_, i) => `note_${i + 1}`));

      // A cursor names a place in one ticket's thread or history: anything else is a 400.
      const other = await file(acme.token);
      expectProblem(await get(`/v1/tickets/${other.id}/thread?cursor=${encodeURIComponent(thread.body.nextCursor)}`, acme.token), 400, 'bad-request');
      expectProblem(await get(`/v1/tickets/${ticket.id}/history?cursor=${encodeURIComponent(thread.body.nextCursor)}`, acme.token), 400, 'bad-request');
      expectProblem(await get(`/v1/tickets/${ticket.id}/thread?cursor=not-a-cursor`, acme.token), 400, 'bad-request');
      expectProblem(await get(`/v1/tickets/${ticket.id}/thread?limit=201`, acme.token), 400, 'validation');
    });

    it('P7: the team-leader phrase in any case and spacing flags the ticket once per message, never from quoted history', async () => {
      const ticket = await file(acme.token);
      const post = (body: string) => http().post(`/v1/tickets/${ticket.id}/messages`).auth(acme.token, { type: 'bearer' }).send({ body });
      expect((await post('Still broken.\n> Attention Technical Support Team Leader')).body.ticket.teamLeaderRequested).toBe(false);
      expect((await post('ATTENTION technical\n  support TEAM leader: this is urgent')).body.ticket.teamLeaderRequested).toBe(true);
      await post('attention technical support team leader, again');
      const flagged = (await events(ticket.id)).filter((e) => e.type === 'ticket.team_leader_requested');
      expect(flagged).toHaveLength(2);
      expect(new Set(flagged.map((e) => e.messageId)).size).toBe(2);
    });

    it('P12: a message written on the support site says so (channel site); staff messages take the ticket’s channel', async () => {
      const ticket = await file(ann);
      const posted = await http().post(`/v1/tickets/${ticket.id}/messages`).auth(ann, { type: 'bearer' }).send({ body: 'From the site.', channel: 'site' });
      expect(posted.status).toBe(201);
      expect(posted.body.message).toMatchObject({ channel: 'site' });
      expect((await events(ticket.id)).find((e) => e.type === 'ticket.message_received')).toMatchObject({ channel: 'site' });
      const multipart = await http().post(`/v1/tickets/${ticket.id}/messages`).auth(ann, { type: 'bearer' }).field('body', 'Also from the site.').field('channel', 'site');
      expect(multipart.body.message).toMatchObject({ channel: 'site' });
      expectProblem(await http().post(`/v1/tickets/${ticket.id}/messages`).auth(ann, { type: 'bearer' }).send({ body: 'x', channel: 'email' }), 400, 'validation');
      expectProblem(await http().post(`/v1/tickets/${ticket.id}/messages`).auth(agent.token, { type: 'bearer' }).send({ body: 'x', channel: 'site' }), 422, 'unprocessable');
      expect((await get(`/v1/tickets/${ticket.id}/thread`, agent.token)).body.items).toHaveLength(2);
    });

    it('a message on a closed ticket is 409; a foreign requester’s message is 404 and stores nothing', async () => {
      const ticket = await file(acme.token);
      await patch(ticket.id, agent.token, { status: 'closed', closure: { reason: 'malware_removal', thirdParty: 'security_software_vendor' } }, await etagOf(ticket.id));
      expectProblem(await http().post(`/v1/tickets/${ticket.id}/messages`).auth(acme.token, { type: 'bearer' }).send({ body: 'hello?' }), 409, 'invalid-transition');
      const bob = await client.requester(acme.token, 'cust-bob');
      const mine = await file(ann);
      expectProblem(await http().post(`/v1/tickets/${mine.id}/messages`).auth(bob, { type: 'bearer' }).send({ body: 'not mine' }), 404, 'not-found');
      const stored = await platform.query<{ n: number }>('ticket-intake', 'SELECT count(*)::int AS n FROM ticket_intake.messages WHERE ticket_id = $1', [mine.id]);
      expect(stored[0].n).toBe(0);
    });
  });

  describe('reopening (P11)', () => {
    it('inside the window the ticket is open again and owes a response; the auto-close timer is cancelled', async () => {
      const ticket = await file(ann);
      await patch(ticket.id, agent.token, { status: 'resolved' }, await etagOf(ticket.id));
      await advance(2 * DAY);
      const reopened = await http().post(`/v1/tickets/${ticket.reference}/reopen`).auth(ann, { type: 'bearer' }).send({ reason: 'Still crashes on EPUB 3' });
      expect(reopened.status).toBe(200);
      expect(reopened.body).toMatchObject({ followUp: false, ticket: { id: ticket.id, status: 'open', responseOwed: true } });
      expect((await events(ticket.id)).slice(-2).map((e) => e.type)).toEqual(['ticket.reopened', 'ticket.status_changed']);
      const timers = await platform.query('ticket-intake', `SELECT * FROM ticket_intake.timers WHERE id = $1 AND status = 'pending'`, [`auto-close:${ticket.id}`]);
      expect(timers).toHaveLength(0);
    });

    it('a resolved ticket closes by itself when its window ends; reopening then files a new, linked ticket', async () => {
      const ticket = await file(acme.token);
      await patch(ticket.id, agent.token, { status: 'resolved' }, await etagOf(ticket.id));
      await advance(14 * DAY + 1_000);
      await waitFor('the auto-close at the end of the reopen window', async () => (await get(`/v1/tickets/${ticket.id}`, acme.token)).body.status === 'closed');
      const closed = await get(`/v1/tickets/${ticket.id}`, acme.token);
      expect(closed.body.closure).toEqual({ reason: 'reopen_window_ended' });
      const history = (await get(`/v1/tickets/${ticket.id}/history`, acme.token)).body.items;
      expect(history.at(-1)).toMatchObject({ action: 'closed', actor: { kind: 'system', id: 'ticket-intake' } });

      const followUp = await http().post(`/v1/tickets/${ticket.id}/reopen`).auth(acme.token, { type: 'bearer' }).send({ reason: 'It came back' });
      expect(followUp.status).toBe(201);
      expect(followUp.body).toMatchObject({ followUp: true, ticket: { linkedTicketId: ticket.id, status: 'new' } });
      expect(followUp.headers.location).toBe(`/v1/tickets/${followUp.body.ticket.id}`);
      expect((await events(followUp.body.ticket.id))[0]).toMatchObject({ type: 'ticket.created', linkedTicketId: ticket.id });
    });

    it("P7/P9: a partner's or requester's reopen reason is the requester's message: on the thread (masked), the team-leader phrase flags the ticket", async () => {
      const ticket = await file(ann);
      await patch(ticket.id, agent.token, { status: 'resolved' }, await etagOf(ticket.id));
      const reopened = await http()
        .post(`/v1/tickets/${ticket.id}/reopen`)
        .auth(ann, { type: 'bearer' })
        .send({ reason: 'Attention Technical Support Team Leader: closed too early. password: Hunter2Secret!', channel: 'site' });
      expect(reopened.status).toBe(200);
      expect(reopened.body.ticket).toMatchObject({ status: 'open', responseOwed: true, teamLeaderRequested: true });
      const items = (await get(`/v1/tickets/${ticket.id}/thread`, agent.token)).body.items as { body: string; channel: string; author: { kind: string; id?: string } }[];
      expect(items[0]).toMatchObject({ author: { kind: 'requester', id: 'cust-ann' }, channel: 'site' });
      expect(items[0].body).toContain('closed too early');
      expect(items[0].body).not.toContain('Hunter2Secret');
      const all = await events(ticket.id);
      const message = all.find((e) => e.type === 'ticket.message_received');
      expect(all.find((e) => e.type === 'ticket.team_leader_requested')).toMatchObject({ messageId: message?.messageId });
      expect(all.slice(-2).map((e) => e.type)).toEqual(['ticket.reopened', 'ticket.status_changed']);
      expect(JSON.stringify(all)).not.toContain('Hunter2Secret');
      expect(JSON.stringify((await get(`/v1/tickets/${ticket.id}/history`, agent.token)).body)).not.toContain('Hunter2Secret');

      // A partner reopening for its client writes as the ticket's requester; a staff member's reason is a note, not the requester's words.
      const other = await file(acme.token, sampleTicket({ requester: { id: 'cust-carl', email: 'carl@example.com' } }));
      await patch(other.id, agent.token, { status: 'resolved' }, await etagOf(other.id));
      expect((await http().post(`/v1/tickets/${other.id}/reopen`).auth(acme.token, { type: 'bearer' }).send({ reason: 'Still broken' })).status).toBe(200);
      expect((await get(`/v1/tickets/${other.id}/thread`, agent.token)).body.items).toEqual([expect.objectContaining({ body: 'Still broken', channel: 'api', author: expect.objectContaining({ kind: 'requester', id: 'cust-carl' }) })]);
      await patch(other.id, agent.token, { status: 'resolved' }, await etagOf(other.id));
      expectProblem(await http().post(`/v1/tickets/${other.id}/reopen`).auth(agent.token, { type: 'bearer' }).send({ reason: 'x', channel: 'site' }), 422, 'unprocessable');
      const byStaff = await http().post(`/v1/tickets/${other.id}/reopen`).auth(agent.token, { type: 'bearer' }).send({ reason: 'Attention Technical Support Team Leader: reopening per call' });
      expect(byStaff.body.ticket.status).toBe('open');
      expect((await get(`/v1/tickets/${other.id}/thread`, agent.token)).body.items).toHaveLength(1);
      expect((await events(other.id)).filter((e) => e.type === 'ticket.team_leader_requested')).toEqual([]);
    });

    it('an open ticket cannot be reopened (409)', async () => {
      const ticket = await file(acme.token);
      expectProblem(await http().post(`/v1/tickets/${ticket.id}/reopen`).auth(acme.token, { type: 'bearer' }).send({}), 409, 'invalid-transition');
    });
  });

  describe('changes other services ask for, through the inbox', () => {
    it('notification.acknowledgment_sent accepts an e-mail or phone ticket once, even when redelivered', async () => {
      const phone = await http().post('/v1/tickets').auth(agent.token, { type: 'bearer' }).send(sampleTicket({ partnerId: acme.partnerId }));
      const data = { partnerId: acme.partnerId, reference: phone.body.reference, channel: 'email', sentAt: clock.now().toISOString() };
      await publishAs('notification', NotificationAcknowledgmentSentV1, phone.body.id, data);
      await publishAs('notification', NotificationAcknowledgmentSentV1, phone.body.id, data);
      await waitFor('the ticket accepted', async () => (await get(`/v1/tickets/${phone.body.id}`, acme.token)).body.acceptedAt !== undefined);
      await waitFor('both acknowledgments handled', async () => {
        const handled = await platform.query<{ n: number }>('ticket-intake', `SELECT count(*)::int AS n FROM ticket_intake.inbox WHERE event_type = 'notification.acknowledgment_sent'`);
        return handled[0].n >= 2;
      });
      expect((await events(phone.body.id)).filter((e) => e.type === 'ticket.accepted')).toEqual([expect.objectContaining({ via: 'acknowledgment' })]);
    });

    it('notification.email_received threads a reply by ticket id, files a new e-mail ticket otherwise, and never twice', async () => {
      const ticket = await file(ann);
      const mail = (over: Record<string, unknown>) => ({
        messageId: `<${randomUUID()}@mail.example>`,
        from: 'ann@example.com',
        subject: 'Re: crash',
        text: 'It also happens on Android.',
        attachmentPointers: [],
        receivedAt: clock.now().toISOString(),
        ...over,
      });
      const reply = mail({ ticketId: ticket.id, partnerId: acme.partnerId });
      await publishAs('notification', NotificationEmailReceivedV1, ticket.id, reply);
      await publishAs('notification', NotificationEmailReceivedV1, ticket.id, { ...reply });
      const fresh = mail({ partnerId: acme.partnerId, subject: 'Player does not start', text: 'Attention Technical Support Team Leader: player fails.' });
      await publishAs('notification', NotificationEmailReceivedV1, fresh.messageId as string, fresh);
      await waitFor('the reply threaded', async () => (await get(`/v1/tickets/${ticket.id}/thread`, acme.token)).body.items.length === 1);
      const emailTickets = async () =>
        platform.query<{ id: string }>('ticket-intake', `SELECT id FROM ticket_intake.tickets WHERE partner_id = $1 AND channel = 'email'`, [acme.partnerId]);
      await waitFor('the e-mail ticket filed', async () => (await emailTickets()).length === 1);
      const [emailTicket] = await emailTickets();
      const filed = await get(`/v1/tickets/${emailTicket.id}`, acme.token);
      expect(filed.body).toMatchObject({ channel: 'email', teamLeaderRequested: true, subject: 'Player does not start' });
      expect(filed.body.missingDetails).toEqual(expect.arrayContaining(['product', 'productVersion']));
      expect(filed.body.acceptedAt).toBeUndefined();
      await waitFor('the duplicate delivery handled', async () => {
        const handled = await platform.query<{ n: number }>('ticket-intake', `SELECT count(*)::int AS n FROM ticket_intake.inbox WHERE event_type = 'notification.email_received'`);
        return handled[0].n >= 3;
      });
      expect((await get(`/v1/tickets/${ticket.id}/thread`, acme.token)).body.items).toHaveLength(1);
    });

    it('P8: a mail’s attachments become the ticket’s, judged by their content; a refused one is named in the thread by the system, not in the sender’s words', async () => {
      const ticket = await file(ann);
      const blobs = new FilesystemBlobStorage(blobRoot);
      const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
      const stored = async (bytes: Buffer, contentType: string) => {
        const key = blobKey('mail', acme.partnerId, randomUUID());
        await blobs.put(key, bytes, { contentType });
        return key;
      };
      const pngKey = await stored(png, 'image/png');
      const bmpKey = await stored(Buffer.concat([Buffer.from('BM'), Buffer.alloc(60)]), 'image/bmp');
      await publishAs('notification', NotificationEmailReceivedV1, ticket.id, {
        partnerId: acme.partnerId,
        ticketId: ticket.id,
        messageId: `<${randomUUID()}@mail.example>`,
        from: 'ann@example.com',
        subject: 'Re: crash',
        text: 'Two screenshots attached.',
        attachmentPointers: [
          { storageKey: pngKey, filename: 'crash.png', contentType: 'image/png' },
          { storageKey: bmpKey, filename: 'raw.bmp', contentType: 'image/bmp' },
        ],
        receivedAt: clock.now().toISOString(),
      });
      const thread = await waitFor('the mail threaded', async () => {
        const items = (await get(`/v1/tickets/${ticket.id}/thread`, ann)).body.items as { body: string; attachmentIds: string[]; author: { kind: string } }[];
        return items.length > 0 && items;
      });
      // The message and the note on its refused file are written in one transaction.
      expect(thread).toHaveLength(2);
      expect(thread[0].attachmentIds).toHaveLength(1);
      expect(thread[0].body).toBe('Two screenshots attached.');
      expect(thread[1].author.kind).toBe('system');
      expect(thread[1].body).toMatch(/"raw\.bmp" was not accepted/);
      const download = await get(`/v1/tickets/${ticket.id}/attachments/${thread[0].attachmentIds[0]}`, ann);
      expect(download.status).toBe(200);
      expect(download.headers['content-type']).toBe('image/png');
    });

    it('escalation.referral_requested refers the ticket to development, or answers ticket.referral_rejected', async () => {
      const ticket = await file(acme.token);
      const ask = (referralId: string) =>
        publishAs('escalation', EscalationReferralRequestedV1, ticket.id, {
          partnerId: acme.partnerId,
          referralId,
          requestedBy: agent.staffId,
          reason: 'Needs a code change',
          requestedAt: clock.now().toISOString(),
        });
      await ask(randomUUID());
      await waitFor('the referral applied', async () => (await get(`/v1/tickets/${ticket.id}`, acme.token)).body.status === 'referred');
      expect((await get(`/v1/tickets/${ticket.id}`, acme.token)).body).toMatchObject({ level: 'development', status: 'referred' });
      const again = randomUUID();
      await ask(again);
      await waitFor('the second referral rejected', async () => (await events(ticket.id)).some((e) => e.type === 'ticket.referral_rejected'));
      expect((await events(ticket.id)).find((e) => e.type === 'ticket.referral_rejected')).toMatchObject({ referralId: again });
    });

    it('rating.submitted with solved: false reopens inside the window; solved: true changes nothing', async () => {
      const ticket = await file(acme.token);
      await patch(ticket.id, agent.token, { status: 'resolved' }, await etagOf(ticket.id));
      const rate = (solved: boolean) =>
        publishAs('rating', RatingSubmittedV1, ticket.id, { partnerId: acme.partnerId, surveyId: randomUUID(), score: 2, solved, submittedAt: clock.now().toISOString() });
      await rate(true);
      await rate(false);
      await waitFor('the ticket reopened', async () => (await get(`/v1/tickets/${ticket.id}`, acme.token)).body.status === 'open');
      const history = (await get(`/v1/tickets/${ticket.id}/history`, acme.token)).body.items;
      expect(history.filter((h: { action: string }) => h.action === 'reopened')).toEqual([expect.objectContaining({ actor: { kind: 'service', id: 'rating' } })]);
    });
  });
});
