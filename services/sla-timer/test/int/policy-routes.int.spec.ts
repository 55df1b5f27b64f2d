import { randomUUID } from 'node:crypto';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { PROBLEM_CONTENT_TYPE } from '@tss/service-kit';
import { TestClock } from '@tss/service-kit/testing';
import { DEFAULT_POLICY, type SlaPolicy } from '../../src/domain/sla-policy';
import { slaTimerService } from '../../src/index';
import { policyStore } from '../../src/store/policy.store';
import { gatewayPartners } from './support/gateway-partners';

const HOUR = 3_600_000;

const NINE_TO_FIVE = [{ from: '09:00', to: '17:00' }];
const BERLIN_AGREEMENT: SlaPolicy = {
  ...DEFAULT_POLICY,
  levels: { ...DEFAULT_POLICY.levels, emergency: { targetMs: 4 * HOUR, phoneSupport: true } },
  calendar: { timeZone: 'Europe/Berlin', week: { 1: NINE_TO_FIVE, 2: NINE_TO_FIVE, 3: NINE_TO_FIVE, 4: NINE_TO_FIVE, 5: NINE_TO_FIVE }, holidays: ['2026-03-30'] },
};

describe('issue #10: SLA policies and partners’ agreements over HTTP', () => {
  let sut: ServiceUnderTest;
  const clock = new TestClock('2026-03-02T08:00:00.000Z');
  const acme = randomUUID();
  const globex = randomUUID();
  // Tokens are minted at the test clock's time: one test moves the clock.
  let admin: string;
  let agent: string;
  let acmeToken: string;
  let globexToken: string;
  let requester: string;
  const mintTokens = () => {
    admin = sut.token({ kind: 'staff', sub: 'admin-1', roles: ['admin'], scope: 'admin tickets:read queue:read reports:read' });
    agent = sut.token({ kind: 'staff', sub: 'agent-1', roles: ['agent'], scope: 'tickets:read tickets:write queue:read' });
    acmeToken = sut.token({ kind: 'partner', partner_id: acme, scope: 'tickets:read tickets:write' });
    globexToken = sut.token({ kind: 'partner', partner_id: globex, scope: 'tickets:read tickets:write' });
    requester = sut.token({ kind: 'requester', partner_id: acme, requester_id: 'reader-1', scope: 'tickets:read tickets:write' });
  };

  /** A partner the gateway registered: agreements name only those (docs/adr/0031, addendum of 2026-12-04, fourth session). */
  let registered: () => Promise<string>;

  beforeAll(async () => {
    sut = await startServiceUnderTest(slaTimerService, { clock });
    const gateway = gatewayPartners(sut, clock);
    registered = () => gateway.registered();
    await gateway.registered(acme);
    await gateway.registered(globex);
  });
  beforeEach(mintTokens);

  afterAll(async () => {
    await sut?.stop();
  });

  const get = (path: string, token: string) => sut.http().get(path).auth(token, { type: 'bearer' });
  const put = (path: string, token: string, body: unknown) => sut.http().put(path).auth(token, { type: 'bearer' }).send(body as object);
  const preview = (body: unknown) => sut.http().post('/v1/sla/preview').auth(admin, { type: 'bearer' }).send(body as object);
  const versionsOf = async (scope: string) => (await sut.query<{ version: number }>(`SELECT version FROM sla_timer.sla_policies WHERE scope = $1 ORDER BY version`, [scope])).map((r) => r.version);

  it('the default is the rules’ policy, version 1: 6 h, 12 h, 24 h, 7 d, 24/7, warnings 50/75/90 %, overdue 150 %, phone for consulting', async () => {
    const response = await get('/v1/sla/policies', admin);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ scope: 'default', version: 1, policy: DEFAULT_POLICY });
    expect(response.body.policy.calendar).toBeUndefined();
  });

  it.each<[string, (p: Record<string, unknown>) => unknown, string]>([
    ['a zero target', (p) => ({ ...p, levels: { ...(p.levels as object), standard: { targetMs: 0, phoneSupport: false } } }), '/levels/standard/targetMs'],
    ['an absurd target', (p) => ({ ...p, levels: { ...(p.levels as object), development: { targetMs: 91 * 24 * HOUR, phoneSupport: false } } }), '/levels/development/targetMs'],
    ['an unknown level', (p) => ({ ...p, levels: { ...(p.levels as object), urgent: { targetMs: HOUR, phoneSupport: false } } }), '/levels'],
    ['a one-millisecond emergency (under the one-minute minimum)', (p) => ({ ...p, levels: { ...(p.levels as object), emergency: { targetMs: 1, phoneSupport: false } } }), '/levels/emergency/targetMs'],
    ['a 59-second target', (p) => ({ ...p, levels: { ...(p.levels as object), emergency: { targetMs: 59_999, phoneSupport: false } } }), '/levels/emergency/targetMs'],
    ['no warning at all', (p) => ({ ...p, warningAt: [] }), '/warningAt'],
    ['a warning at a trillionth of the target (under 1 %)', (p) => ({ ...p, warningAt: [1e-12] }), '/warningAt/0'],
    ['warnings not ascending', (p) => ({ ...p, warningAt: [0.9, 0.5] }), '/warningAt/1'],
    ['a warning at 1', (p) => ({ ...p, warningAt: [0.5, 1] }), '/warningAt/1'],
    ['overdue at 1', (p) => ({ ...p, overdueAt: 1 }), '/overdueAt'],
    ['a bad time zone', (p) => ({ ...p, calendar: { ...BERLIN_AGREEMENT.calendar, timeZone: 'Europe/Atlantis' } }), '/calendar/timeZone'],
    ['a bad HH:mm', (p) => ({ ...p, calendar: { ...BERLIN_AGREEMENT.calendar, week: { 1: [{ from: '9:00', to: '17:00' }] } } }), '/calendar/week/1/0/from'],
    ['overlapping periods', (p) => ({ ...p, calendar: { ...BERLIN_AGREEMENT.calendar, week: { 2: [{ from: '09:00', to: '13:00' }, { from: '12:00', to: '18:00' }] } } }), '/calendar/week/2/1'],
    ['a period ending before it starts', (p) => ({ ...p, calendar: { ...BERLIN_AGREEMENT.calendar, week: { 2: [{ from: '18:00', to: '09:00' }] } } }), '/calendar/week/2/0/to'],
    ['a holiday that is no date', (p) => ({ ...p, calendar: { ...BERLIN_AGREEMENT.calendar, holidays: ['2026-02-30'] } }), '/calendar/holidays/0'],
  ])('a PUT with %s is a 400 problem naming the field, and stores nothing', async (_name, spoil, pointer) => {
    for (const path of ['/v1/sla/policies', `/v1/partners/${acme}/sla-policy`]) {
      const response = await put(path, admin, spoil(DEFAULT_POLICY as unknown as Record<string, unknown>));
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
      expect((response.body.errors as { pointer: string }[]).map((e) => e.pointer)).toContain(pointer);
    }
    expect(await versionsOf('default')).toEqual([1]);
    expect(await versionsOf(acme)).toEqual([]);
  });

  it('docs/adr/0031: a calendar that cannot count a level within the calculator’s horizon is a 400 naming the level, for both PUTs and the preview, and stores nothing', async () => {
    // The outside repro: open Mondays 09:00–09:01, development in 90 days (the preview used to answer 500, the PUT 200);
    // 90 days is now past the published 7 d, and 7 d do not fit either.
    const sparse = {
      ...DEFAULT_POLICY,
      levels: { ...DEFAULT_POLICY.levels, development: { targetMs: 7 * 24 * HOUR, phoneSupport: false } },
      calendar: { timeZone: 'Europe/Berlin', week: { 1: [{ from: '09:00', to: '09:01' }] }, holidays: [] },
    };
    const defaultsBefore = await versionsOf('default');
    const agreementsBefore = await versionsOf(globex);
    // (The default refuses any calendar: docs/adr/0031, addendum of 2026-12-04, third session.)
    const response = await put(`/v1/partners/${globex}/sla-policy`, admin, sparse);
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.body.errors).toEqual([{ in: 'body', pointer: '/levels/development/targetMs', message: expect.stringContaining('level development: the calendar cannot count this target') }]);
    expect(response.body.detail).toContain('/levels/development/targetMs');
    expect((await put('/v1/sla/policies', admin, sparse)).status).toBe(400);
    expect(await versionsOf('default')).toEqual(defaultsBefore);
    expect(await versionsOf(globex)).toEqual(agreementsBefore);

    const previewed = await preview({ level: 'development', startedAt: '2026-03-02T08:00:00.000Z', policy: sparse });
    expect(previewed.status).toBe(400);
    expect(previewed.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(previewed.body.errors).toEqual([expect.objectContaining({ pointer: '/policy/levels/development/targetMs' })]);
    // Any level of such a policy: the policy is refused as a whole, before anything is counted.
    expect((await preview({ level: 'emergency', startedAt: '2026-03-02T08:00:00.000Z', policy: sparse })).status).toBe(400);
  });

  it('docs/adr/0031 addendum: targets past the published maximums, or a more urgent level slower than a less urgent one, are a 400 naming the level and the maximum, for both PUTs and the preview; faster terms are stored', async () => {
    const DAY = 24 * HOUR;
    const defaultsBefore = await versionsOf('default');
    const agreementsBefore = await versionsOf(globex);
    // The outside repro: an emergency agreed at 90 days answered 200.
    const slowEmergency = { ...DEFAULT_POLICY, levels: { ...DEFAULT_POLICY.levels, emergency: { targetMs: 7_776_000_000, phoneSupport: true } } };
    const slowDevelopment = { ...DEFAULT_POLICY, levels: { ...DEFAULT_POLICY.levels, development: { targetMs: 8 * DAY, phoneSupport: false } } };
    const inverted = { ...DEFAULT_POLICY, levels: { ...DEFAULT_POLICY.levels, emergency: { targetMs: 6 * HOUR, phoneSupport: true }, standard: { targetMs: 3 * HOUR, phoneSupport: false } } };
    for (const path of ['/v1/sla/policies', `/v1/partners/${globex}/sla-policy`]) {
      const emergency = await put(path, admin, slowEmergency);
      expect(emergency.status).toBe(400);
      expect(emergency.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
      expect(emergency.body.errors).toEqual([{ in: 'body', pointer: '/levels/emergency/targetMs', message: expect.stringContaining('level emergency: must be at most 21600000 (6 h), the maximum response time the rules publish for it') }]);
      expect(emergency.body.detail).toContain('level emergency');
      const development = await put(path, admin, slowDevelopment);
      expect(development.status).toBe(400);
      expect(development.body.errors).toEqual([expect.objectContaining({ pointer: '/levels/development/targetMs', message: expect.stringContaining('at most 604800000 (7 d)') })]);
      const slower = await put(path, admin, inverted);
      expect(slower.status).toBe(400);
      expect(slower.body.errors).toEqual([expect.objectContaining({ pointer: '/levels/emergency/targetMs', message: expect.stringContaining("must not be longer than level standard's (3 h)") })]);
    }
    expect(await versionsOf('default')).toEqual(defaultsBefore);
    expect(await versionsOf(globex)).toEqual(agreementsBefore);
    const previewed = await preview({ level: 'emergency', startedAt: '2026-03-02T08:00:00.000Z', policy: slowEmergency });
    expect(previewed.status).toBe(400);
    expect(previewed.body.errors).toEqual([expect.objectContaining({ pointer: '/policy/levels/emergency/targetMs' })]);

    const faster = { ...DEFAULT_POLICY, levels: { emergency: { targetMs: 2 * HOUR, phoneSupport: true }, standard: { targetMs: 4 * HOUR, phoneSupport: true }, consulting: { targetMs: 8 * HOUR, phoneSupport: true }, development: { targetMs: 3 * DAY, phoneSupport: false } } };
    const initech = await registered();
    const stored = await put(`/v1/partners/${initech}/sla-policy`, admin, faster);
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({ scope: initech, policy: faster });
  });

  it('P5: the default policy counts calendar time, 24/7: a calendar is a 400 naming /calendar and stores nothing; an agreement keeps its calendar', async () => {
    const defaultsBefore = await versionsOf('default');
    const response = await put('/v1/sla/policies', admin, { ...DEFAULT_POLICY, calendar: BERLIN_AGREEMENT.calendar });
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.body.errors).toEqual([{ in: 'body', pointer: '/calendar', message: expect.stringContaining('calendar time, 24/7') }]);
    expect(await versionsOf('default')).toEqual(defaultsBefore);
    const initech = await registered();
    expect((await put(`/v1/partners/${initech}/sla-policy`, admin, BERLIN_AGREEMENT)).body).toMatchObject({ scope: initech, policy: BERLIN_AGREEMENT });
  });

  it('only an admin writes policies; a partner, a requester and an agent are refused (403)', async () => {
    expect((await put('/v1/sla/policies', acmeToken, DEFAULT_POLICY)).status).toBe(403);
    expect((await put(`/v1/partners/${acme}/sla-policy`, acmeToken, DEFAULT_POLICY)).status).toBe(403);
    expect((await put('/v1/sla/policies', agent, DEFAULT_POLICY)).status).toBe(403);
    expect((await get('/v1/sla/policies', acmeToken)).status).toBe(403);
    expect((await get(`/v1/partners/${acme}/sla-policy`, requester)).status).toBe(403);
    expect((await preview({ level: 'standard', startedAt: '2026-03-02T08:00:00.000Z' }).auth(acmeToken, { type: 'bearer' })).status).toBe(403);
  });

  it('every PUT of the default makes a new version; the old ones stay readable for the clocks that keep them', async () => {
    const emergency3h = { ...DEFAULT_POLICY, levels: { ...DEFAULT_POLICY.levels, emergency: { targetMs: 3 * HOUR, phoneSupport: true } } };
    clock.set('2026-03-02T09:00:00.000Z');
    mintTokens();
    const second = await put('/v1/sla/policies', admin, emergency3h);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ scope: 'default', version: 2, createdAt: '2026-03-02T09:00:00.000Z', policy: emergency3h });
    expect((await put('/v1/sla/policies', admin, DEFAULT_POLICY)).body.version).toBe(3);
    expect((await get('/v1/sla/policies', admin)).body).toMatchObject({ version: 3, policy: DEFAULT_POLICY });

    const manager = sut.host.dataSource.manager;
    expect((await policyStore.version(manager, 'default', 2))?.policy.levels.emergency.targetMs).toBe(3 * HOUR);
    expect((await policyStore.version(manager, 'default', 1))?.policy).toEqual(DEFAULT_POLICY);
    expect(await policyStore.version(manager, 'default', 4)).toBeUndefined();
    expect((await sut.query(`SELECT created_by FROM sla_timer.sla_policies WHERE scope = 'default' AND version = 2`))[0]).toEqual({ created_by: 'admin-1' });
  });

  it('concurrent PUTs each get a version of their own', async () => {
    const before = (await versionsOf('default')).length;
    const answers = await Promise.all(Array.from({ length: 6 }, () => put('/v1/sla/policies', admin, DEFAULT_POLICY)));
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(200));
    expect(new Set(answers.map((a) => a.body.version)).size).toBe(6);
    expect(await versionsOf('default')).toEqual(Array.from({ length: before + 6 }, (_, i) => i + 1));
  });

  it('a partner’s agreement overrides the default for that partner only; the partner reads its own, another partner gets a 404', async () => {
    const manager = sut.host.dataSource.manager;
    const latestDefault = (await get('/v1/sla/policies', admin)).body.version as number;
    // No agreement yet: the partner's terms are the default's (scope says so).
    expect((await get(`/v1/partners/${acme}/sla-policy`, acmeToken)).body).toMatchObject({ scope: 'default', version: latestDefault });

    const stored = await put(`/v1/partners/${acme}/sla-policy`, admin, BERLIN_AGREEMENT);
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({ scope: acme, version: 1, policy: BERLIN_AGREEMENT });

    expect((await get(`/v1/partners/${acme}/sla-policy`, acmeToken)).body).toMatchObject({ scope: acme, version: 1, policy: BERLIN_AGREEMENT });
    expect((await get(`/v1/partners/${acme}/sla-policy`, agent)).body).toMatchObject({ scope: acme, version: 1 });
    const foreign = await get(`/v1/partners/${acme}/sla-policy`, globexToken);
    expect(foreign.status).toBe(404);
    expect(foreign.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect((await get(`/v1/partners/${globex}/sla-policy`, globexToken)).body).toMatchObject({ scope: 'default', version: latestDefault });

    expect(await policyStore.effectiveFor(manager, acme)).toMatchObject({ scope: acme, version: 1, policy: BERLIN_AGREEMENT });
    expect(await policyStore.effectiveFor(manager, globex)).toMatchObject({ scope: 'default', version: latestDefault });

    expect((await put(`/v1/partners/${acme}/sla-policy`, admin, DEFAULT_POLICY)).body).toMatchObject({ scope: acme, version: 2 });
    expect(await policyStore.effectiveFor(manager, acme)).toMatchObject({ scope: acme, version: 2 });
    expect((await policyStore.version(manager, acme, 1))?.policy).toEqual(BERLIN_AGREEMENT);
  });

  it('preview: a policy given in the request is scheduled in its business hours, before it is saved', async () => {
    // Tuesday 08:00 CEST, after the Monday holiday and the change to summer time: 4 business hours from 09:00.
    const response = await preview({ level: 'emergency', startedAt: '2026-03-31T06:00:00.000Z', policy: BERLIN_AGREEMENT });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      level: 'emergency',
      startedAt: '2026-03-31T06:00:00.000Z',
      targetMs: 4 * HOUR,
      dueBy: 'terms',
      dueAt: '2026-03-31T11:00:00.000Z',
      warnings: [
        { threshold: 0.5, at: '2026-03-31T09:00:00.000Z' },
        { threshold: 0.75, at: '2026-03-31T10:00:00.000Z' },
        { threshold: 0.9, at: '2026-03-31T10:36:00.000Z' },
      ],
      overdueAt: '2026-03-31T13:00:00.000Z',
      phoneSupport: true,
      basedOn: null,
    });
  });

  it('preview (P5, docs/adr/0031, addendum of 2026-12-04, sixth session): business hours never put a response past the rules’ maximum in calendar time', async () => {
    // Friday 16:00 CET: 1 business hour on Friday, then Monday 30 March is a holiday; business
    // time alone would make it due Tuesday 12:00 CEST. The rules' 6 hours end Friday 22:00 CET.
    const response = await preview({ level: 'emergency', startedAt: '2026-03-27T15:00:00.000Z', policy: BERLIN_AGREEMENT });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      level: 'emergency',
      startedAt: '2026-03-27T15:00:00.000Z',
      targetMs: 6 * HOUR,
      dueBy: 'rules_maximum',
      dueAt: '2026-03-27T21:00:00.000Z',
      warnings: [
        { threshold: 0.5, at: '2026-03-27T18:00:00.000Z' },
        { threshold: 0.75, at: '2026-03-27T19:30:00.000Z' },
        { threshold: 0.9, at: '2026-03-27T20:24:00.000Z' },
      ],
      overdueAt: '2026-03-28T00:00:00.000Z',
      phoneSupport: true,
      basedOn: null,
    });
  });

  it('preview: a partner’s stored terms, or the default, say which version they used', async () => {
    const forPartner = await preview({ level: 'standard', startedAt: '2026-03-27T15:00:00.000Z', partnerId: acme });
    expect(forPartner.body).toMatchObject({ basedOn: { scope: acme, version: 2 }, dueAt: '2026-03-28T03:00:00.000Z' });
    const byDefault = await preview({ level: 'development', startedAt: '2026-03-27T15:00:00.000Z' });
    expect(byDefault.body).toMatchObject({ basedOn: { scope: 'default' }, dueAt: '2026-04-03T15:00:00.000Z', overdueAt: '2026-04-07T03:00:00.000Z' });
  });

  it('P7 (docs/escalation.md): an agreement cannot silence the about-to-breach warning: warningAt [] is a 400 problem naming /warningAt on both PUTs and the preview, and stores nothing', async () => {
    const silent = { ...DEFAULT_POLICY, warningAt: [] };
    const before = { default: await versionsOf('default'), acme: await versionsOf(acme) };
    for (const path of ['/v1/sla/policies', `/v1/partners/${acme}/sla-policy`]) {
      const response = await put(path, admin, silent);
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
      expect(response.body.errors).toEqual([expect.objectContaining({ in: 'body', pointer: '/warningAt' })]);
    }
    const previewed = await preview({ level: 'standard', startedAt: '2026-03-27T15:00:00.000Z', policy: silent });
    expect(previewed.status).toBe(400);
    expect(previewed.body.errors).toEqual([expect.objectContaining({ pointer: '/policy/warningAt' })]);
    expect({ default: await versionsOf('default'), acme: await versionsOf(acme) }).toEqual(before);
  });

  it.each([
    ['year 9999 (its overdue notice would fall in year 10000)', '9999-12-31T23:00:00Z'],
    ['year 0001', '0001-01-01T00:00:00Z'],
    ['just before 1970', '1969-12-31T23:59:59.999Z'],
    ['the first instant of 9000', '9000-01-01T00:00:00Z'],
  ])('preview: a start in %s is a 400 problem naming /startedAt (answers stay RFC 3339 instants), and stores nothing', async (_name, startedAt) => {
    const before = await versionsOf('default');
    for (const body of [{ level: 'standard', startedAt }, { level: 'standard', startedAt, policy: DEFAULT_POLICY }, { level: 'development', startedAt, partnerId: acme }]) {
      const response = await preview(body);
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
      expect(response.body.errors).toEqual([{ in: 'body', pointer: '/startedAt', message: expect.stringContaining('1970-01-01T00:00:00.000Z') }]);
      expect(JSON.stringify(response.body)).not.toContain('+0');
    }
    expect(await versionsOf('default')).toEqual(before);
  });

  it('preview: the bounds themselves are answered, every instant with a four-digit year', async () => {
    const RFC_3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
    for (const [level, startedAt] of [['emergency', '1970-01-01T00:00:00Z'], ['development', '8999-12-31T23:59:59.999Z']]) {
      const response = await preview({ level, startedAt });
      expect(response.status).toBe(200);
      const instants = [response.body.startedAt, response.body.dueAt, response.body.overdueAt, ...response.body.warnings.map((w: { at: string }) => w.at)];
      for (const instant of instants) expect(instant).toMatch(RFC_3339);
    }
  });

  it('preview: a bad policy, or a policy and a partner together, is a 400 naming the field', async () => {
    const bad = await preview({ level: 'standard', startedAt: '2026-03-27T15:00:00.000Z', policy: { ...DEFAULT_POLICY, warningAt: [0.75, 0.5] } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ pointer: '/policy/warningAt/1' })]);
    const both = await preview({ level: 'standard', startedAt: '2026-03-27T15:00:00.000Z', policy: DEFAULT_POLICY, partnerId: acme });
    expect(both.status).toBe(400);
    expect(both.body.errors).toEqual([expect.objectContaining({ pointer: '/partnerId' })]);
    const unknownLevel = await preview({ level: 'urgent', startedAt: '2026-03-27T15:00:00.000Z' });
    expect(unknownLevel.status).toBe(400);
    expect(unknownLevel.body.errors[0].pointer).toBe('/level');
  });
  it('ETags: both policy routes send one on GET and PUT; a stale or weak If-Match is a 412 problem that stores nothing; If-None-Match answers 304', async () => {
    const putIf = (path: string, ifMatch: string, body: unknown) => put(path, admin, body).set('if-match', ifMatch);
    const read = await get('/v1/sla/policies', admin);
    const version = read.body.version as number;
    expect(read.headers.etag).toBe(`"default.${version}"`);
    expect((await get('/v1/sla/policies', admin).set('if-none-match', read.headers.etag)).status).toBe(304);
    for (const stale of ['"nonsense"', `W/${read.headers.etag}`, `"default.${version - 1}"`]) {
      const refused = await putIf('/v1/sla/policies', stale, DEFAULT_POLICY);
      expect(refused.status).toBe(412);
      expect(refused.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
      expect(refused.body).toMatchObject({ status: 412, detail: expect.stringContaining(`default version ${version}`) });
    }
    expect((await versionsOf('default')).at(-1)).toBe(version);
    const stored = await putIf('/v1/sla/policies', read.headers.etag, DEFAULT_POLICY);
    expect(stored.status).toBe(200);
    expect(stored.headers.etag).toBe(`"default.${version + 1}"`);
    expect((await putIf('/v1/sla/policies', read.headers.etag, DEFAULT_POLICY)).status).toBe(412);

    // A partner without an agreement reads the default's terms (and tag); the first agreement replaces them.
    const hooli = await registered();
    const terms = await get(`/v1/partners/${hooli}/sla-policy`, admin);
    expect(terms.headers.etag).toBe(`"default.${version + 1}"`);
    expect((await putIf(`/v1/partners/${hooli}/sla-policy`, '"nonsense"', BERLIN_AGREEMENT)).status).toBe(412);
    expect(await versionsOf(hooli)).toEqual([]);
    const agreed = await putIf(`/v1/partners/${hooli}/sla-policy`, terms.headers.etag, BERLIN_AGREEMENT);
    expect(agreed.status).toBe(200);
    expect(agreed.headers.etag).toBe(`"${hooli}.1"`);
    expect((await get(`/v1/partners/${hooli}/sla-policy`, admin)).headers.etag).toBe(`"${hooli}.1"`);
    const stale = await putIf(`/v1/partners/${hooli}/sla-policy`, terms.headers.etag, DEFAULT_POLICY);
    expect(stale.status).toBe(412);
    expect(stale.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(await versionsOf(hooli)).toEqual([1]);
    // If-Match stays optional for these admin settings, as for escalation's rules.
    expect((await put(`/v1/partners/${hooli}/sla-policy`, admin, DEFAULT_POLICY)).status).toBe(200);
  });

  // An outside test: a calendar of 70 reversed periods and 200 impossible holidays answered 270 errors
  // in 58 KB. A validation problem the policy checks build is bounded as a schema's is (docs/adr/0036).
  it('a policy with hundreds of faults is a small 400: the first 10 errors, errorCount all of them', async () => {
    const reversed = Array.from({ length: 10 }, () => ({ from: '10:00', to: '09:00' }));
    const week = Object.fromEntries([1, 2, 3, 4, 5, 6, 7].map((day) => [day, reversed]));
    const holidays = Array.from({ length: 200 }, (_, n) => `2026-02-${String(30 + (n % 70)).padStart(2, '0')}`);
    const response = await preview({ level: 'standard', startedAt: '2026-03-02T08:00:00.000Z', policy: { ...BERLIN_AGREEMENT, calendar: { timeZone: 'Europe/Berlin', week, holidays } } });
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.body).toMatchObject({ type: 'https://tss.dev/problems/validation', errorCount: 270 });
    expect(response.body.errors).toHaveLength(10);
    expect(response.body.errors[0]).toMatchObject({ in: 'body', pointer: '/policy/calendar/week/1/0/to' });
    expect(response.body.detail.length).toBeLessThanOrEqual(501);
    expect(response.text.length).toBeLessThan(10_000);
  });
});
