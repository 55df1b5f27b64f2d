import type { AddressInfo } from 'node:net';
import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { startTestPlatform, type TestPlatform } from '../support/test-platform';
import { csrfOf } from '../support/site-forms';

// P10, P12 (docs/adr/0035 and 0037, addenda of 2026-12-04, seventh session): a requester who reads
// the ticket only on the support site learns what support asked while the ticket waits on them.
describe('the support site shows what support asked while the ticket waits on the requester', () => {
  let platform: TestPlatform;
  let client: PlatformClient;
  let acme: { partnerId: string; token: string };
  let agent: { staffId: string; token: string };
  const clock = new TestClock('2026-06-01T09:00:00.000Z');
  const http = () => client.http();

  beforeAll(async () => {
    platform = await startTestPlatform('site_awaiting_question', { clock });
    // The site calls intake over the app's own address once it listens (upstream/intake-api.ts).
    await platform.running.platform.app.listen({ host: '127.0.0.1', port: 0 });
    expect((platform.running.platform.app.server.address() as AddressInfo).port).toBeGreaterThan(0);
    client = platform.client;
    const admin = await platform.adminToken();
    acme = await client.partner(admin, 'Acme Questions');
    agent = await client.staff(admin, ['agent'], 'Quinn Agent');
  });
  afterAll(async () => {
    await platform?.stop();
  });

  const file = async (overrides: Record<string, unknown> = {}) => {
    const response = await http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).send(sampleTicket({ requester: { id: 'cust-ann', email: 'ann@example.com' }, ...overrides }));
    expect(response.status).toBe(201);
    return response.body as { id: string; reference: string };
  };
  const mint = async (ticketId: string) =>
    waitFor(`a site link for ${ticketId}`, async () => {
      const response = await http().post(`/v1/tickets/${ticketId}/site-links`).auth(acme.token, { type: 'bearer' });
      if (response.status === 503) return undefined;
      expect(response.status).toBe(201);
      return { path: new URL((response.body as { url: string }).url).pathname };
    });
  const patch = async (ticketId: string, body: Record<string, unknown>) => {
    const read = await http().get(`/v1/tickets/${ticketId}`).auth(agent.token, { type: 'bearer' });
    const response = await http().patch(`/v1/tickets/${ticketId}`).auth(agent.token, { type: 'bearer' }).set('if-match', read.headers.etag as string).send(body);
    expect(response.status).toBe(200);
  };
  /** The page's "Support needs more information" section, if it has one. */
  const askedOn = (page: string): string | undefined => /<section class="awaiting"[^>]*>([\s\S]*?)<\/section>/.exec(page)?.[1];

  it('P10: while the ticket waits for information the page shows the question, labelled, escaped, dir="auto", masked (P9); not after the requester replies', async () => {
    const ticket = await file();
    const link = await mint(ticket.id);
    expect(askedOn((await http().get(link.path)).text)).toBeUndefined();
    await patch(ticket.id, {
      status: 'awaiting_customer',
      waitReason: 'insufficient_information',
      note: 'Please send a screenshot of the error dialog <b>now</b>, see https://docs.example.com/screens. Log in as password: Hunter2Secret!',
    });

    const page = await http().get(link.path);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<dt>Status</dt><dd>Waiting for your reply</dd>');
    const asked = askedOn(page.text);
    expect(asked).toBeDefined();
    expect(asked).toContain('<h2 id="awaiting-heading">Support needs more information</h2>');
    expect(asked).toContain('We need more information to continue.');
    expect(asked).toMatch(/<p class="message-body question" dir="auto">Please send a screenshot of the error dialog &lt;b&gt;now&lt;\/b&gt;, see <a href="https:\/\/docs\.example\.com\/screens"/);
    // P9: the particulars were vaulted when the agent wrote them; the page shows the placeholder in its words.
    expect(page.text).not.toContain('Hunter2Secret');
    expect(asked).toContain('[access particulars moved to our secure vault: TSS #');
    // Before the thread: the first thing a requester reads after the ticket's facts.
    expect(page.text.indexOf('awaiting-heading')).toBeLessThan(page.text.indexOf('<h2>Your description of the problem</h2>'));

    const replied = await http().post(`${link.path}/reply`).field('_csrf', csrfOf(page.text, `${link.path}/reply`)).field('text', 'Screenshot: the dialog says E42.');
    expect(replied.status).toBe(303);
    const after = await http().get(link.path);
    expect(after.text).toContain('<dt>Status</dt><dd>In progress</dd>');
    expect(askedOn(after.text)).toBeUndefined();
    expect(after.text).not.toContain('Please send a screenshot of the error dialog');
  });

  it('P10: a wait with no note names the reason alone; a Russian ticket’s page says it in Russian', async () => {
    const ticket = await file({ language: 'ru' });
    const link = await mint(ticket.id);
    await patch(ticket.id, { status: 'awaiting_customer', waitReason: 'cannot_reproduce' });
    const asked = askedOn((await http().get(link.path)).text);
    expect(asked).toContain('<h2 id="awaiting-heading">Поддержке нужна дополнительная информация</h2>');
    expect(asked).toContain('Нам не удалось воспроизвести проблему.');
    expect(asked).not.toContain('class="message-body question"');
    // A new wait reason with its question replaces the earlier one.
    await patch(ticket.id, { waitReason: 'information_late', note: 'Пришлите, пожалуйста, журнал ошибок.' });
    const again = askedOn((await http().get(link.path)).text);
    expect(again).toContain('Мы всё ещё ждём запрошенную информацию.');
    expect(again).toContain('<p class="message-body question" dir="auto">Пришлите, пожалуйста, журнал ошибок.</p>');
  });

  it('intake shows the question to the partner and the requester as `awaiting` on the ticket; once the wait ends it is gone', async () => {
    const ticket = await file();
    await patch(ticket.id, { status: 'awaiting_customer', waitReason: 'insufficient_information', note: 'Which version of the reader do you use?' });
    const ann = await client.requester(acme.token, 'cust-ann');
    for (const token of [acme.token, ann, agent.token]) {
      const read = await http().get(`/v1/tickets/${ticket.id}`).auth(token, { type: 'bearer' });
      expect(read.body.awaiting).toEqual({ reason: 'insufficient_information', question: 'Which version of the reader do you use?' });
    }
    await patch(ticket.id, { status: 'open', note: 'Found it in the logs.' });
    const read = await http().get(`/v1/tickets/${ticket.id}`).auth(ann, { type: 'bearer' });
    expect(read.body.status).toBe('open');
    expect(read.body).not.toHaveProperty('awaiting');
  });
});
