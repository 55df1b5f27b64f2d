import { randomUUID } from 'node:crypto';
import { bootstrapAdmin, type ServiceUrls } from '@tss/gateway';
import { STORABLE_TEXT_FORMAT, VISIBLE_TEXT_FORMAT } from '@tss/contracts';
import { escalationService } from '@tss/escalation';
import { InProcessTransport } from '@tss/messaging';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import type { ServiceInstance } from '@tss/runtime';
import { PlatformClient } from '@tss/runtime/testing';
import { PROBLEM_CONTENT_TYPE, systemClock } from '@tss/service-kit';
import { waitFor } from '@tss/service-kit/testing';
import type { Response } from 'supertest';
import { ServiceInstances, startForwardingGateway } from '../support/service-instances';
import { operationsOf, schemaResolver, type JsonSchema, type OpenApiDocument, type Operation, type Resolve } from './openapi-operations';

const ADMIN = { clientId: 'sc_escalation_edge_admin', clientSecret: 'escalation-edge-admin-secret-0123456789' };

/** Text PostgreSQL cannot store, as JSON escapes (JSON.stringify writes lone surrogates as `\udXXX`). */
const UNSTORABLE: readonly { rule: string; text: string }[] = [
  { rule: 'a NUL character', text: 'before\u0000after' },
  { rule: 'a lone high surrogate', text: 'before\ud800after' },
  { rule: 'a lone low surrogate', text: 'x\udc00' },
  { rule: 'a reversed surrogate pair', text: '\udc00\ud800' },
];

/** Bodies that are not JSON, each as its media type names it: 415 where the route takes JSON. */
const NOT_JSON: readonly { contentType: string; body: (json: string) => string }[] = [
  { contentType: 'text/plain', body: (json) => json },
  { contentType: 'application/x-www-form-urlencoded', body: () => 'outcome=done&reason=why' },
  { contentType: 'application/xml', body: () => '<outcome>done</outcome>' },
  { contentType: 'multipart/form-data; boundary=edge', body: () => '--edge\r\nContent-Disposition: form-data; name="outcome"\r\n\r\ndone\r\n--edge--\r\n' },
  { contentType: 'application/octet-stream', body: (json) => json },
  { contentType: 'text/json', body: (json) => json },
];

/** The pointers of every `format: text` or `visible-text` field of a body schema (an array's first item stands for its items). */
const textFieldsOf = (raw: JsonSchema, resolve: Resolve, at = ''): string[] => {
  const schema = resolve(raw);
  if (schema.format === STORABLE_TEXT_FORMAT || schema.format === VISIBLE_TEXT_FORMAT) return [at];
  if (schema.items) return textFieldsOf(schema.items, resolve, `${at}/0`);
  return Object.entries(schema.properties ?? {}).flatMap(([name, property]) => textFieldsOf(property, resolve, `${at}/${name}`));
};

const withValueAt = (body: unknown, pointer: string, value: unknown): unknown => {
  const copy = structuredClone(body) as Record<string, unknown>;
  const segments = pointer.split('/').slice(1);
  let node: Record<string, unknown> = copy;
  segments.slice(0, -1).forEach((segment, i) => {
    if (typeof node[segment] !== 'object' || node[segment] === null) node[segment] = /^\d+$/.test(segments[i + 1]) ? [] : {};
    node = node[segment] as Record<string, unknown>;
  });
  node[segments.at(-1)!] = value;
  return copy;
};

/**
 * Issue #9 "Edge input" over issue #12's routes, in services mode as deployed: the gateway (edge
 * protection, authentication, forwarding) in front of a real escalation instance. Every POST and
 * PUT of escalation's document gets bodies that are not JSON and, in each text field, text
 * PostgreSQL cannot store: a 415 or a 400 problem naming the field, and the escalation schema
 * stays as it was.
 */
describe('services mode: every escalation POST/PUT through the gateway refuses non-JSON bodies and unstorable text', () => {
  let db: TestDatabase;
  let services: ServiceInstances;
  let escalation: ServiceInstance;
  let gateway: PlatformClient;
  let staffToken: string;
  let writes: Operation[];
  let resolve: Resolve;
  const ids = { ticketId: randomUUID(), escalationId: randomUUID(), referralId: randomUUID() };

  beforeAll(async () => {
    db = await createTestDatabase('escalation_edge_services');
    services = new ServiceInstances(db.url);
    const urls = {} as Record<keyof ServiceUrls, string>;
    const { instance: gatewayInstance, url: gatewayUrl } = await startForwardingGateway(services, urls);
    gateway = new PlatformClient(gatewayUrl);
    escalation = await services.start(escalationService, { transport: new InProcessTransport() });
    const escalationUrl = await services.listen(escalation);
    Object.assign(urls, { 'ticket-intake': escalationUrl, 'sla-timer': escalationUrl, notification: escalationUrl, escalation: escalationUrl, rating: escalationUrl });

    const host = gatewayInstance.host;
    await bootstrapAdmin({ dataSource: host.dataSource, unitOfWork: host.unitOfWork, outbox: host.outbox, clock: systemClock, logger: host.logger }, ADMIN);
    const staff = await gateway.staff(await gateway.token(ADMIN.clientId, ADMIN.clientSecret), ['team_lead', 'quality']);
    staffToken = staff.token;
    // The gateway's staff.created events reach escalation through the event log they share: the
    // comparisons below start once both staff members have arrived.
    await waitFor('escalation knows the admin and the staff member', async () => {
      const rows = await escalation.host.dataSource.query<{ n: number }[]>('SELECT count(*)::int AS n FROM escalation.staff WHERE staff_id = ANY($1::text[])', [[ADMIN.clientId, staff.staffId]]);
      return rows[0].n === 2;
    });
    // A ticket escalation knows (its projection, fed by ticket.created when intake runs): a referral let through would be stored.
    await escalation.host.dataSource.query('INSERT INTO escalation.referral_tickets (ticket_id, partner_id, reference) VALUES ($1, $2, $3)', [ids.ticketId, randomUUID(), 'TSS-EDGE0-00000']);

    const document = (await new PlatformClient(escalationUrl).http().get('/openapi.json')).body as OpenApiDocument;
    resolve = schemaResolver(document);
    writes = operationsOf(document, (path) => path.startsWith('/v1/')).filter((o) => o.method === 'POST' || o.method === 'PUT');
  }, 120_000);

  afterAll(async () => {
    await services?.stopAll();
    await db?.drop();
  });

  const stored = async (): Promise<Record<string, string>> => {
    const tables = await escalation.host.dataSource.query<{ table_name: string }[]>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'escalation' AND table_type = 'BASE TABLE' AND table_name <> 'inbox' ORDER BY table_name",
    );
    const state: Record<string, string> = {};
    for (const { table_name: table } of tables) {
      const [row] = await escalation.host.dataSource.query<{ digest: string }[]>(`SELECT count(*) || ' ' || md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS digest FROM escalation."${table}" t`);
      state[table] = row.digest;
    }
    return state;
  };

  const pathOf = (operation: Operation) =>
    operation.path
      .replace('/v1/escalations/{id}', `/v1/escalations/${ids.escalationId}`)
      .replace('{id}', ids.ticketId)
      .replace('{rid}', ids.referralId);
  const exampleOf = (operation: Operation): unknown => {
    const media = operation.content?.['application/json'];
    return media?.example ?? Object.values(media?.examples ?? {})[0]?.value ?? {};
  };
  const send = (operation: Operation, contentType: string, body: string | Buffer) =>
    gateway.http()[operation.method === 'PUT' ? 'put' : 'post'](pathOf(operation)).auth(staffToken, { type: 'bearer' }).set('content-type', contentType).send(body);
  const isProblem = (response: Response) => String(response.headers['content-type']).startsWith(PROBLEM_CONTENT_TYPE) && response.body.status === response.status;

  it('knows the six escalation writes (rules, roster, acknowledge, resolve, refer, outcome) and the text fields of their bodies', () => {
    expect(writes.map((o) => o.operationId).sort()).toEqual(
      ['acknowledgeEscalation', 'createReferral', 'putEscalationRoster', 'putEscalationRules', 'recordReferralOutcome', 'resolveEscalation'].sort(),
    );
    const fields = writes.flatMap((o) => (o.content?.['application/json']?.schema ? textFieldsOf(o.content['application/json'].schema, resolve).map((p) => `${o.operationId} ${p}`) : []));
    expect(fields).toEqual(
      expect.arrayContaining(['putEscalationRules /rules/0/on', 'putEscalationRoster /shifts/0/staffId', 'putEscalationRoster /overrides/0/note', 'resolveEscalation /outcome', 'createReferral /reason', 'recordReferralOutcome /outcome']),
    );
  });

  it('a body that is not JSON (text, form, XML, multipart, octet-stream, text/json) is a 415 problem on every POST and PUT, and nothing is stored', async () => {
    const before = await stored();
    const answers: string[] = [];
    const expected: string[] = [];
    for (const operation of writes) {
      for (const notJson of NOT_JSON) {
        const response = await send(operation, notJson.contentType, notJson.body(JSON.stringify(exampleOf(operation))));
        answers.push(`${operation.operationId} ${notJson.contentType}: ${response.status}${isProblem(response) ? ' problem' : ` ${String(response.headers['content-type'])}`}`);
        expected.push(`${operation.operationId} ${notJson.contentType}: 415 problem`);
      }
    }
    expect(answers).toEqual(expected);
    expect(await stored()).toEqual(before);
  });

  it('NUL, lone and reversed surrogates in every text field, and invalid UTF-8 bytes in the body, are 400 problems naming the field, and nothing is stored', async () => {
    const before = await stored();
    const answers: string[] = [];
    const expected: string[] = [];
    for (const operation of writes) {
      const schema = operation.content?.['application/json']?.schema;
      if (!schema) continue;
      const example = exampleOf(operation);
      for (const pointer of textFieldsOf(schema, resolve)) {
        for (const bad of UNSTORABLE) {
          const response = await send(operation, 'application/json', JSON.stringify(withValueAt(example, pointer, bad.text)));
          const errors = (Array.isArray(response.body.errors) ? response.body.errors : []) as { in?: string; pointer?: string }[];
          const named = errors.some((e) => e.in === 'body' && e.pointer === pointer);
          answers.push(`${operation.operationId} ${pointer} ${bad.rule}: ${response.status}${isProblem(response) ? ' problem' : ''}${named ? ' naming the field' : ''}`);
          expected.push(`${operation.operationId} ${pointer} ${bad.rule}: 400 problem naming the field`);
        }
        // Invalid UTF-8: the byte 0xFF inside the field's (valid) string.
        const marker = '__edge_invalid_utf8__';
        const [head, tail] = JSON.stringify(withValueAt(example, pointer, marker)).split(marker);
        const response = await send(operation, 'application/json', Buffer.concat([Buffer.from(head), Buffer.from([0xff]), Buffer.from(tail)]));
        answers.push(`${operation.operationId} ${pointer} invalid UTF-8: ${response.status}${isProblem(response) ? ' problem' : ''}`);
        expected.push(`${operation.operationId} ${pointer} invalid UTF-8: 400 problem`);
      }
    }
    expect(answers.length).toBeGreaterThanOrEqual(50);
    expect(answers).toEqual(expected);
    expect(await stored()).toEqual(before);
  });

  it('white space or invisible characters alone where something must be said (an escalation’s or a referral’s outcome, a referral’s reason) is a 400 naming the field', async () => {
    const before = await stored();
    const blanks = [
      ['resolveEscalation', '/outcome'],
      ['createReferral', '/reason'],
      ['recordReferralOutcome', '/outcome'],
    ] as const;
    const values = [' \t\n ', '\u200b', '\ufeff', '\u200c\u200d\u2060'];
    const answers: string[] = [];
    for (const [operationId, pointer] of blanks) {
      const operation = writes.find((o) => o.operationId === operationId)!;
      for (const value of values) {
        const response = await send(operation, 'application/json', JSON.stringify(withValueAt(exampleOf(operation), pointer, value)));
        const named = ((response.body.errors ?? []) as { in?: string; pointer?: string }[]).some((e) => e.in === 'body' && e.pointer === pointer);
        answers.push(`${operationId} ${pointer} ${JSON.stringify(value)}: ${response.status}${named ? ' naming the field' : ''}`);
      }
    }
    expect(answers).toEqual(blanks.flatMap(([operationId, pointer]) => values.map((value) => `${operationId} ${pointer} ${JSON.stringify(value)}: 400 naming the field`)));
    expect(await stored()).toEqual(before);
  });

  it('the comparison sees a write: a valid referral through the gateway is stored (202)', async () => {
    const before = await stored();
    const response = await gateway.http().post(`/v1/tickets/${ids.ticketId}/referrals`).auth(staffToken, { type: 'bearer' }).send({ target: 'development', reason: 'Valid: stored.' });
    expect(response.status).toBe(202);
    expect((await stored()).referrals).not.toBe(before.referrals);
  });
});
