import type { AddressInfo } from 'node:net';
import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { SiteLinkKeys } from '@tss/service-kit';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { startTestPlatform, type TestPlatform } from '../support/test-platform';
import { csrfOf } from '../support/site-forms';

type HistoryItem = { action: string; actor: { kind: string; id: string }; detail: Record<string, unknown> };

// docs/adr/0037, addendum of 2026-12-04, fifth session: a site link minted through the API is on the
// ticket's history with its minter, and what a staff member's link does is that staff member's.
describe('support-site links: minted on the record, acts attributed to a staff minter', () => {
  let platform: TestPlatform;
  let client: PlatformClient;
  let acme: { partnerId: string; token: string; clientId: string };
  let agent: { staffId: string; token: string };
  const clock = new TestClock('2026-06-01T09:00:00.000Z');
  const http = () => client.http();

  beforeAll(async () => {
    platform = await startTestPlatform('site_link_attribution', { clock });
    // The site calls intake over the app's own address once it listens (upstream/intake-api.ts).
    await platform.running.platform.app.listen({ host: '127.0.0.1', port: 0 });
    expect((platform.running.platform.app.server.address() as AddressInfo).port).toBeGreaterThan(0);
    client = platform.client;
    const admin = await platform.adminToken();
    acme = await client.partner(admin, 'Acme Attribution');
    agent = await client.staff(admin, ['agent'], 'Ari Agent');
  });
  afterAll(async () => {
    await platform?.stop();
  });

  const file = async () => {
    const response = await http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).send(sampleTicket({ requester: { id: 'cust-ann', email: 'ann@example.com' } }));
    expect(response.status).toBe(201);
    return response.body as { id: string; reference: string };
  };
  const mint = async (token: string, ticketId: string) =>
    waitFor(`a site link for ${ticketId}`, async () => {
      const response = await http().post(`/v1/tickets/${ticketId}/site-links`).auth(token, { type: 'bearer' });
      if (response.status === 503) return undefined;
      expect(response.status).toBe(201);
      const body = response.body as { linkId: string; url: string };
      return { ...body, path: new URL(body.url).pathname };
    });
  const history = async (ticketId: string) => ((await http().get(`/v1/tickets/${ticketId}/history`).auth(acme.token, { type: 'bearer' })).body as { items: HistoryItem[] }).items;
  const replyOnSite = async (path: string, text: string) => {
    const page = await http().get(path);
    expect(page.status).toBe(200);
    const posted = await http().post(`${path}/reply`).field('_csrf', csrfOf(page.text, `${path}/reply`)).field('text', text);
    expect(posted.status).toBe(303);
  };

  it('minting a link is on the ticket’s history with its minter: the staff member, or the partner’s client', async () => {
    const ticket = await file();
    const byAgent = await mint(agent.token, ticket.id);
    const byPartner = await mint(acme.token, ticket.id);
    const minted = await waitFor('both mintings on the history', async () => {
      const found = (await history(ticket.id)).filter((e) => e.action === 'site_link_minted');
      return found.length === 2 ? found : undefined;
    });
    expect(minted).toEqual([
      expect.objectContaining({ actor: { kind: 'staff', id: agent.staffId }, detail: expect.objectContaining({ linkId: byAgent.linkId, requester: 'cust-ann' }) }),
      expect.objectContaining({ actor: { kind: 'partner', id: acme.clientId }, detail: expect.objectContaining({ linkId: byPartner.linkId, requester: 'cust-ann' }) }),
    ]);
    // The link, a credential, is not on the record.
    expect(JSON.stringify(await history(ticket.id))).not.toContain(new URL(byAgent.url).pathname.split('/').pop());
  });

  it('words posted through a staff member’s link show on the thread as that staff member’s, on behalf of the requester; the site says so; the partner’s link stays the requester’s', async () => {
    const ticket = await file();
    const staffLink = await mint(agent.token, ticket.id);
    await replyOnSite(staffLink.path, 'Ann asked me to add: it happens on Android too.');
    const partnerLink = await mint(acme.token, ticket.id);
    await replyOnSite(partnerLink.path, 'Ann here, writing myself.');
    const thread = (await http().get(`/v1/tickets/${ticket.id}/thread`).auth(acme.token, { type: 'bearer' })).body as { items: { body: string; author: Record<string, unknown> }[] };
    const byBody = (text: string) => thread.items.find((m) => m.body === text);
    expect(byBody('Ann asked me to add: it happens on Android too.')?.author).toEqual({ kind: 'staff', id: agent.staffId, onBehalfOf: { kind: 'requester', id: 'cust-ann' } });
    expect(byBody('Ann here, writing myself.')?.author).toEqual({ kind: 'requester', id: 'cust-ann' });
    // The requester's own view: the words are not shown as "You" wrote them.
    const page = (await http().get(partnerLink.path)).text;
    const metaOf = (text: string) => {
      const at = page.indexOf(text);
      expect(at).toBeGreaterThan(0);
      return page.slice(page.lastIndexOf('<p class="message-meta">', at), at);
    };
    expect(metaOf('Ann asked me to add')).toContain('<strong dir="auto">Support, on your behalf</strong>');
    expect(metaOf('Ann here, writing myself.')).toContain('<strong dir="auto">You</strong>');
  });

  it('revoking a link is on the ticket’s history with its revoker, once: a second revocation records nothing', async () => {
    const ticket = await file();
    const byAgent = await mint(agent.token, ticket.id);
    const byPartner = await mint(acme.token, ticket.id);
    const revoke = async (token: string, linkId: string) => {
      const response = await http().delete(`/v1/tickets/${ticket.id}/site-links/${linkId}`).auth(token, { type: 'bearer' });
      expect(response.status).toBe(204);
    };
    await revoke(acme.token, byAgent.linkId);
    await revoke(agent.token, byPartner.linkId);
    await revoke(agent.token, byPartner.linkId); // idempotent: 204 again, no second entry
    const revoked = await waitFor('both revocations on the history', async () => {
      const found = (await history(ticket.id)).filter((e) => e.action === 'site_link_revoked');
      return found.length === 2 ? found : undefined;
    });
    expect(revoked).toEqual([
      expect.objectContaining({ actor: { kind: 'partner', id: acme.clientId }, detail: { linkId: byAgent.linkId } }),
      expect.objectContaining({ actor: { kind: 'staff', id: agent.staffId }, detail: { linkId: byPartner.linkId } }),
    ]);
    // The link opens nothing now.
    expect((await http().get(byAgent.path)).status).toBe(410);
    // A later act is recorded after the second revocation was handled: still two.
    await mint(acme.token, ticket.id);
    await waitFor('the last minting on the history', async () => (await history(ticket.id)).filter((e) => e.action === 'site_link_minted').length === 3);
    expect((await history(ticket.id)).filter((e) => e.action === 'site_link_revoked')).toHaveLength(2);
  });

  it('only a link the gateway minted for the ticket is revoked on the record: a made-up id, a malformed one, or another partner’s link id is revoked (204) and recorded nowhere', async () => {
    const admin = await platform.adminToken();
    const globex = await client.partner(admin, 'Globex Attribution');
    const ticket = await file();
    const link = await mint(acme.token, ticket.id);
    const globexTicket = (await http().post('/v1/tickets').auth(globex.token, { type: 'bearer' }).send(sampleTicket({ requester: { id: 'cust-bob' } }))).body as { id: string };
    const revoke = async (token: string, ticketId: string, linkId: string) => {
      const response = await http().delete(`/v1/tickets/${ticketId}/site-links/${linkId}`).auth(token, { type: 'bearer' });
      expect(response.status).toBe(204);
    };
    await revoke(acme.token, ticket.id, '0b9e6a4e-5d3c-4f1a-9b2e-7c8d9e0f1a2b'); // never minted (or a mail's link: the gateway cannot tell)
    await revoke(acme.token, ticket.id, 'not-a-uuid');
    await waitFor('the other partner’s ticket on the site', async () => (await http().post(`/v1/tickets/${globexTicket.id}/site-links`).auth(globex.token, { type: 'bearer' })).status === 201);
    await revoke(globex.token, globexTicket.id, link.linkId); // Acme's link id, through Globex's own ticket
    // The real link still opens, and its own revocation is the only one on the history.
    expect((await http().get(link.path)).status).toBe(200);
    await revoke(acme.token, ticket.id, link.linkId);
    const revoked = await waitFor('the real revocation on the history', async () => {
      const found = (await history(ticket.id)).filter((e) => e.action === 'site_link_revoked');
      return found.length > 0 ? found : undefined;
    });
    expect(revoked).toEqual([expect.objectContaining({ actor: { kind: 'partner', id: acme.clientId }, detail: { linkId: link.linkId } })]);
    const globexHistory = async () => ((await http().get(`/v1/tickets/${globexTicket.id}/history`).auth(globex.token, { type: 'bearer' })).body as { items: HistoryItem[] }).items;
    // A minting on Globex's ticket published after its revocation: once it is recorded, so would the revocation be.
    expect((await http().post(`/v1/tickets/${globexTicket.id}/site-links`).auth(globex.token, { type: 'bearer' })).status).toBe(201);
    await waitFor('the later minting on Globex’s history', async () => (await globexHistory()).filter((e) => e.action === 'site_link_minted').length === 2);
    expect((await globexHistory()).filter((e) => e.action === 'site_link_revoked')).toEqual([]);
  });

  it('docs/auth.md Revocation: a link minted by a staff client or a partner’s client that is now disabled opens nothing, as its tokens; the partner’s other links still open', async () => {
    const admin = await platform.adminToken();
    const ticket = await file();
    // A staff member (an agent's client) mints a link, then is disabled.
    const a3 = await client.staff(admin, ['agent'], 'A3 Agent');
    const staffLink = await mint(a3.token, ticket.id);
    const staffPage = await http().get(staffLink.path);
    expect(staffPage.status).toBe(200);
    // A second client of the partner mints a link and a requester token, then is disabled.
    const second = (await http().post(`/v1/partners/${acme.partnerId}/clients`).auth(admin, { type: 'bearer' }).send()).body as { clientId: string; clientSecret: string };
    const secondToken = await client.token(second.clientId, second.clientSecret);
    const partnerLink = await mint(secondToken, ticket.id);
    const requesterToken = await client.requester(secondToken, 'cust-ann');
    expect((await http().get(partnerLink.path)).status).toBe(200);
    const otherLink = await mint(acme.token, ticket.id);

    expect((await http().delete(`/v1/clients/${a3.clientId}`).auth(admin, { type: 'bearer' })).status).toBe(204);
    expect((await http().delete(`/v1/partners/${acme.partnerId}/clients/${second.clientId}`).auth(admin, { type: 'bearer' })).status).toBe(204);

    const withdrawn = await http().get(staffLink.path);
    expect(withdrawn.status).toBe(410);
    // Its minter's say-so is withdrawn: the page says so, not that the link expired.
    expect(withdrawn.text).toContain('<h1>This link was withdrawn</h1>');
    // Its reply form (loaded before) writes nothing.
    const posted = await http().post(`${staffLink.path}/reply`).field('_csrf', csrfOf(staffPage.text, `${staffLink.path}/reply`)).field('text', 'Written after A3 was disabled.');
    expect(posted.status).toBe(410);
    expect((await http().get(`/v1/tickets/${ticket.id}`).auth(requesterToken, { type: 'bearer' })).status).toBe(401);
    expect((await http().get(partnerLink.path)).status).toBe(410);
    // The partner's own client is in good standing: its link opens as before.
    expect((await http().get(otherLink.path)).status).toBe(200);
    const thread = (await http().get(`/v1/tickets/${ticket.id}/thread`).auth(acme.token, { type: 'bearer' })).body as { items: { body: string }[] };
    expect(thread.items.map((m) => m.body)).not.toContain('Written after A3 was disabled.');
  });

  // docs/support-site.md: a link whose partner is inactive answers 410 like a revoked one, whoever
  // minted it; a staff member's link and a mail's once answered the 404 of a link that opens nothing.
  it('every genuine link of a deactivated partner is the 410 page (staff-minted, partner-minted, a mail’s), and opens again once the partner is reactivated', async () => {
    const admin = await platform.adminToken();
    const initech = await client.partner(admin, 'Initech Paused');
    const filed = await http().post('/v1/tickets').auth(initech.token, { type: 'bearer' }).send(sampleTicket({ requester: { id: 'cust-ann', email: 'ann@example.com' } }));
    expect(filed.status).toBe(201);
    const ticketId = (filed.body as { id: string }).id;
    const byAgent = await mint(agent.token, ticketId);
    const byPartner = await mint(initech.token, ticketId);
    // As notification mints the link every mail carries: no minter, the same keys (one process).
    const mailed = `/support/t/${SiteLinkKeys.fromSettings({}).mint({ ticketId, partnerId: initech.partnerId, requester: 'cust-ann', expiresAt: new Date(clock.now().getTime() + 3_600_000) }).token}`;
    const paths = [byAgent.path, byPartner.path, mailed];
    for (const path of paths) expect((await http().get(path)).status).toBe(200);
    const setActive = async (active: boolean) => expect((await http().patch(`/v1/partners/${initech.partnerId}`).auth(admin, { type: 'bearer' }).send({ active })).status).toBe(200);

    await setActive(false);
    for (const path of paths) {
      const page = await http().get(path);
      expect({ path, status: page.status }).toEqual({ path, status: 410 });
      expect(page.text).toContain('<h1>This link was withdrawn</h1>');
      expect(page.text).not.toContain('does not open anything');
    }

    await setActive(true);
    for (const path of paths) expect((await http().get(path)).status).toBe(200);
  });

  it('a reply through a staff member’s link is that staff member’s on the history, in the requester’s name; through the partner’s link it is the requester’s', async () => {
    const ticket = await file();
    const staffLink = await mint(agent.token, ticket.id);
    await replyOnSite(staffLink.path, 'I (Ann) confirm the problem is solved');
    const partnerLink = await mint(acme.token, ticket.id);
    await replyOnSite(partnerLink.path, 'Ann here, writing myself.');
    const received = (await history(ticket.id)).filter((e) => e.action === 'message_received');
    expect(received).toEqual([
      expect.objectContaining({ actor: { kind: 'staff', id: agent.staffId }, detail: expect.objectContaining({ onBehalfOf: { kind: 'requester', id: 'cust-ann', siteLinkId: staffLink.linkId } }) }),
      expect.objectContaining({ actor: { kind: 'requester', id: 'cust-ann' } }),
    ]);
    expect(received[1].detail).not.toHaveProperty('onBehalfOf');
  });
});
