import { randomUUID } from 'node:crypto';
import { TicketCreatedV1 } from '@tss/contracts';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { PROBLEM_CONTENT_TYPE } from '@tss/service-kit';
import { cursorAt, TestClock, waitFor } from '@tss/service-kit/testing';
import { DEFAULT_POLICY, type SlaPolicy } from '../../src/domain/sla-policy';
import { slaTimerService } from '../../src/index';
import { gatewayPartners } from './support/gateway-partners';

const HOUR = 3_600_000;
const withEmergency = (hours: number): SlaPolicy => ({ ...DEFAULT_POLICY, levels: { ...DEFAULT_POLICY.levels, emergency: { targetMs: hours * HOUR, phoneSupport: true } } });

type Page = { items: { scope: string; version: number; createdAt: string; removed: boolean; policy: SlaPolicy }[]; nextCursor?: string };

// Issue #10 "every change is versioned, and a clock keeps the version it started under": the
// versions are readable, so a clock's {scope, version} resolves to the terms it ran under
// (docs/adr/0031, addendum of 2026-12-04, fourth session).
describe('SLA policy versions: the default’s and a partner’s agreement’s, listed and read one by one', () => {
  const clock = new TestClock('2026-12-04T09:00:00.000Z');
  let sut: ServiceUnderTest;
  let gateway: ReturnType<typeof gatewayPartners>;
  let acme: string;
  let globex: string;
  let admin: string;
  let agent: string;
  let acmeToken: string;
  let globexToken: string;
  let requester: string;
  let clerk: string;

  beforeAll(async () => {
    sut = await startServiceUnderTest(slaTimerService, { clock });
    gateway = gatewayPartners(sut, clock);
    acme = await gateway.registered();
    globex = await gateway.registered();
  });
  beforeEach(() => {
    // Valid for a day of the test clock: one test moves it by hours.
    const DAY_S = 86_400;
    admin = sut.token({ kind: 'staff', sub: 'admin-1', roles: ['admin'], scope: 'admin tickets:read' }, DAY_S);
    agent = sut.token({ kind: 'staff', sub: 'agent-1', roles: ['agent'], scope: 'tickets:read tickets:write' }, DAY_S);
    clerk = sut.token({ kind: 'staff', sub: 'clerk-1', roles: ['quality'], scope: 'reports:read' }, DAY_S);
    acmeToken = sut.token({ kind: 'partner', partner_id: acme, scope: 'tickets:read tickets:write' }, DAY_S);
    globexToken = sut.token({ kind: 'partner', partner_id: globex, scope: 'tickets:read tickets:write' }, DAY_S);
    requester = sut.token({ kind: 'requester', partner_id: acme, requester_id: 'reader-1', scope: 'tickets:read tickets:write' }, DAY_S);
  });
  afterAll(async () => {
    await sut?.stop();
  });

  const get = (path: string, token: string) => sut.http().get(path).auth(token, { type: 'bearer' });
  const put = (path: string, body: SlaPolicy) => sut.http().put(path).auth(admin, { type: 'bearer' }).send(body);
  const expectProblem = (response: { status: number; headers: Record<string, string> }, status: number) => {
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
  };
  /** Every page of a listing, following nextCursor. */
  const allPages = async (path: string, token: string, limit: number): Promise<Page[]> => {
    const pages: Page[] = [];
    let cursor: string | undefined;
    do {
      const response = await get(`${path}?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, token);
      expect(response.status).toBe(200);
      pages.push(response.body as Page);
      cursor = (response.body as Page).nextCursor;
    } while (cursor && pages.length < 20);
    return pages;
  };

  it('the default’s versions, newest first, a page at a time; each version read by its number', async () => {
    const first = (await get('/v1/sla/policies', admin)).body.version as number;
    clock.set('2026-12-04T10:00:00.000Z');
    expect((await put('/v1/sla/policies', withEmergency(5))).status).toBe(200);
    clock.set('2026-12-04T11:00:00.000Z');
    expect((await put('/v1/sla/policies', withEmergency(4))).status).toBe(200);

    const pages = await allPages('/v1/sla/policies/versions', admin, 2);
    const versions = pages.flatMap((p) => p.items.map((i) => i.version));
    expect(versions).toEqual(Array.from({ length: first + 2 }, (_, i) => first + 2 - i));
    expect(pages.every((p) => p.items.length <= 2)).toBe(true);
    expect(pages.at(-1)?.nextCursor).toBeUndefined();
    expect(pages[0].items[0]).toEqual({ scope: 'default', version: first + 2, createdAt: '2026-12-04T11:00:00.000Z', removed: false, policy: withEmergency(4) });
    expect(pages[0].items[1]).toMatchObject({ version: first + 1, createdAt: '2026-12-04T10:00:00.000Z', policy: withEmergency(5) });

    const one = await get(`/v1/sla/policies/versions/${first + 1}`, admin);
    expect(one.status).toBe(200);
    expect(one.body).toEqual({ scope: 'default', version: first + 1, createdAt: '2026-12-04T10:00:00.000Z', removed: false, policy: withEmergency(5) });
    expect((await get('/v1/sla/policies/versions/1', admin)).body).toMatchObject({ scope: 'default', version: 1, policy: DEFAULT_POLICY });
  });

  it('a partner’s agreement versions: admin, staff and the partner itself list and read them; another partner gets a 404, a requester a 403', async () => {
    expect((await put(`/v1/partners/${acme}/sla-policy`, withEmergency(3))).status).toBe(200);
    expect((await put(`/v1/partners/${acme}/sla-policy`, withEmergency(2))).status).toBe(200);
    for (const token of [admin, agent, acmeToken]) {
      const listed = await get(`/v1/partners/${acme}/sla-policy/versions`, token);
      expect(listed.status).toBe(200);
      expect((listed.body as Page).items.map((i) => [i.scope, i.version, i.policy.levels.emergency.targetMs])).toEqual([
        [acme, 2, 2 * HOUR],
        [acme, 1, 3 * HOUR],
      ]);
      expect((listed.body as Page).nextCursor).toBeUndefined();
      expect((await get(`/v1/partners/${acme}/sla-policy/versions/1`, token)).body).toMatchObject({ scope: acme, version: 1, policy: withEmergency(3) });
    }
    // A partner without an agreement has no versions of its own: its terms are the default's.
    expect((await get(`/v1/partners/${globex}/sla-policy/versions`, globexToken)).body).toEqual({ items: [] });

    for (const path of [`/v1/partners/${acme}/sla-policy/versions`, `/v1/partners/${acme}/sla-policy/versions/1`]) {
      expectProblem(await get(path, globexToken), 404);
      expectProblem(await get(path, requester), 403);
      expectProblem(await get(path, clerk), 403);
    }
  });

  it('who reads the default’s versions: admins list them; a single version, which clocks name, is read by staff and partners too; requesters are refused', async () => {
    for (const token of [agent, acmeToken, requester, clerk]) expectProblem(await get('/v1/sla/policies/versions', token), 403);
    for (const token of [admin, agent, acmeToken]) expect((await get('/v1/sla/policies/versions/1', token)).status).toBe(200);
    for (const token of [requester, clerk]) expectProblem(await get('/v1/sla/policies/versions/1', token), 403);
  });

  it('bad input: an unknown version is a 404, a version that is no positive integer a 400 naming /version, a non-uuid partner a 400, an unknown partner a 404 for staff, a cursor not ours a 400', async () => {
    const latest = (await get('/v1/sla/policies', admin)).body.version as number;
    expectProblem(await get(`/v1/sla/policies/versions/${latest + 1}`, admin), 404);
    expectProblem(await get(`/v1/partners/${acme}/sla-policy/versions/99`, acmeToken), 404);
    expectProblem(await get('/v1/sla/policies/versions/2147483648', admin), 400);
    for (const bad of ['1.5', 'abc', '0', '-1']) {
      for (const path of [`/v1/sla/policies/versions/${bad}`, `/v1/partners/${acme}/sla-policy/versions/${bad}`]) {
        const response = await get(path, admin);
        expectProblem(response, 400);
        expect(response.body.errors).toEqual([expect.objectContaining({ in: 'params', pointer: '/version' })]);
      }
    }
    expectProblem(await get('/v1/partners/not-a-uuid/sla-policy/versions', admin), 400);
    expectProblem(await get('/v1/partners/not-a-uuid/sla-policy/versions/1', admin), 400);
    const ghost = randomUUID();
    expectProblem(await get(`/v1/partners/${ghost}/sla-policy/versions`, admin), 404);
    expectProblem(await get(`/v1/partners/${ghost}/sla-policy/versions/1`, agent), 404);

    for (const cursor of ['nonsense', 'eyJ2IjoxfQ.AAAAAAAAAAAAAAAA']) {
      const response = await get(`/v1/sla/policies/versions?cursor=${cursor}`, admin);
      expectProblem(response, 400);
      expect(response.body.errors).toEqual([expect.objectContaining({ in: 'querystring', pointer: '/cursor' })]);
    }
    // A cursor of one scope's listing is no cursor of another's.
    const acmePage = (await get(`/v1/partners/${acme}/sla-policy/versions?limit=1`, admin)).body as Page;
    expect(acmePage.nextCursor).toEqual(expect.any(String));
    expectProblem(await get(`/v1/sla/policies/versions?cursor=${encodeURIComponent(acmePage.nextCursor!)}`, admin), 400);
    expectProblem(await get(`/v1/sla/policies/versions?limit=0`, admin), 400);
    expectProblem(await get(`/v1/sla/policies/versions?limit=201`, admin), 400);
  });

  it('a clock’s policy {scope, version} (GET …/sla) resolves to the terms it ran under, after the terms changed, for the partner and for staff', async () => {
    const initech = await gateway.registered();
    const initechToken = sut.token({ kind: 'partner', partner_id: initech, scope: 'tickets:read' });
    const file = async (partnerId: string) => {
      const ticketId = randomUUID();
      await gateway.publish(TicketCreatedV1, ticketId, {
        partnerId,
        sequence: 1,
        reference: 'TSS-K7QM2-ZC4XD',
        channel: 'api',
        product: 'reader',
        productVersion: '4.2',
        level: 'emergency',
        subject: 'Reader crashes on start',
        requester: { id: 'cust-1' },
        missingDetails: [],
        receivedAt: clock.now().toISOString(),
      });
      return ticketId;
    };
    const clockOf = (ticketId: string, token: string) =>
      waitFor(`the clock of ${ticketId}`, async () => {
        const response = await get(`/v1/tickets/${ticketId}/sla`, token);
        return response.status === 200 ? (response.body.clocks[0] as { targetMs: number; policy: { scope: string; version: number } }) : undefined;
      });
    const termsOf = async (ref: { scope: string; version: number }, token: string) => {
      const path = ref.scope === 'default' ? `/v1/sla/policies/versions/${ref.version}` : `/v1/partners/${ref.scope}/sla-policy/versions/${ref.version}`;
      const response = await get(path, token);
      expect(response.status).toBe(200);
      return response.body.policy as SlaPolicy;
    };

    // Under the default as it is now; the default changes after.
    const underDefault = await clockOf(await file(initech), initechToken);
    expect((await put('/v1/sla/policies', withEmergency(1))).status).toBe(200);
    // Under Acme's agreement version 2; Acme's agreement changes after.
    const underAgreement = await clockOf(await file(acme), acmeToken);
    expect(underAgreement.policy).toEqual({ scope: acme, version: 2 });
    expect((await put(`/v1/partners/${acme}/sla-policy`, withEmergency(5))).status).toBe(200);

    for (const [clockRead, token] of [
      [underDefault, initechToken],
      [underDefault, agent],
      [underAgreement, acmeToken],
      [underAgreement, agent],
    ] as const) {
      expect((await termsOf(clockRead.policy, token)).levels.emergency.targetMs).toBe(clockRead.targetMs);
    }
  });

  it('a re-signed cursor naming a version the integer column cannot hold is a 400, not a 500 (docs/adr/0027)', async () => {
    // Two versions of each, whatever the tests before stored: a first page of one has a cursor.
    for (const hours of [6, 5]) {
      expect((await put('/v1/sla/policies', withEmergency(hours))).status).toBe(200);
      expect((await put(`/v1/partners/${acme}/sla-policy`, withEmergency(hours))).status).toBe(200);
    }
    for (const path of ['/v1/sla/policies/versions', `/v1/partners/${acme}/sla-policy/versions`]) {
      const cursor = ((await get(`${path}?limit=1`, admin)).body as Page).nextCursor;
      expect(cursor).toEqual(expect.any(String));
      for (const version of [2147483648, 9007199254740991]) {
        const response = await get(`${path}?cursor=${cursorAt(cursor!, [version])}`, admin);
        expect({ status: response.status, type: response.body.type }).toEqual({ status: 400, type: 'https://tss.dev/problems/bad-request' });
        expect(response.body.errors).toEqual([expect.objectContaining({ in: 'querystring', pointer: '/cursor' })]);
      }
      // The largest version the column holds reads as the page below it.
      expect((await get(`${path}?cursor=${cursorAt(cursor!, [2147483647])}`, admin)).status).toBe(200);
    }
  });

  it('the OpenAPI document lists the version routes with their statuses', async () => {
    const document = (await sut.http().get('/openapi.json')).body as { paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>> };
    const statuses = (path: string) => Object.keys(document.paths[path].get.responses);
    expect(statuses('/v1/sla/policies/versions')).toEqual(expect.arrayContaining(['200', '400', '401', '403']));
    for (const path of ['/v1/sla/policies/versions/{version}', '/v1/partners/{id}/sla-policy/versions', '/v1/partners/{id}/sla-policy/versions/{version}']) {
      expect(statuses(path)).toEqual(expect.arrayContaining(['200', '400', '401', '403', '404']));
    }
  });
});
