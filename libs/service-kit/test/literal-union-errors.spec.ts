import { Type } from '@sinclair/typebox';
import pino from 'pino';
import request from 'supertest';
import { createServiceApp, type ServiceApp } from '../src/create-app';
import { PROBLEM_CONTENT_TYPE } from '../src/problem';

const Role = Type.Union(['agent', 'team_leader', 'head_of_support'].map((r) => Type.Literal(r)));
const ONE_OF_ROLES = 'one of: agent, team_leader, head_of_support';

// An outside test (2026-12-05, third session): a roster of 1,000 shifts whose `role` was "boss"
// answered `errorCount: 4000`, and its 10 listed errors covered 3 shifts ("must be equal to constant"
// three times, then "must match a schema in anyOf"), none naming the allowed values. ajv reports a
// union of literals (typebox's `Union([Literal…])`, anyOf of const) as one error per branch and one
// for the anyOf (docs/adr/0036, addendum of 2026-12-05, third session).
describe('a value outside a union of literals is one error naming the allowed values', () => {
  let app: ServiceApp;

  beforeAll(async () => {
    app = await createServiceApp({ name: 'literal-unions', logger: pino({ level: 'silent' }) });
    app.put(
      '/roster',
      {
        schema: {
          querystring: Type.Object({ role: Type.Optional(Role) }),
          body: Type.Object({
            shifts: Type.Array(Type.Object({ staffId: Type.String(), role: Role, backup: Type.Optional(Type.Union([Role, Type.Null()])) })),
            // Not a union of literals: ajv's own errors, as before.
            owner: Type.Optional(Type.Union([Type.String({ format: 'uuid' }), Type.Literal('me')])),
          }),
        },
      },
      async () => ({ ok: true }),
    );
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
  });

  const put = (body: unknown, query = '') => request(app.server).put(`/roster${query}`).send(body as object);

  it('1,000 shifts with role "boss": errorCount 1,000, the 10 listed are the first 10 shifts, each naming the roles', async () => {
    const response = await put({ shifts: Array.from({ length: 1_000 }, (_, n) => ({ staffId: `stf_${n}`, role: 'boss' })) });
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.body).toMatchObject({ type: 'https://tss.dev/problems/validation', errorCount: 1_000 });
    expect(response.body.errors).toEqual(Array.from({ length: 10 }, (_, n) => ({ in: 'body', pointer: `/shifts/${n}/role`, message: `unknown value "boss"; ${ONE_OF_ROLES}` })));
    expect(response.body.detail).toMatch(new RegExp(`^body/shifts/0/role unknown value "boss"; ${ONE_OF_ROLES}, body/shifts/1/role `));
    expect(response.body.detail.length).toBeLessThanOrEqual(501);
  });

  it('a value of another type, a nullable union and a query parameter: one error each, naming the allowed values', async () => {
    const body = await put({ shifts: [{ staffId: 'stf_1', role: 5, backup: 'boss' }] });
    expect(body.status).toBe(400);
    expect(body.body).toMatchObject({
      errorCount: 2,
      errors: [
        { in: 'body', pointer: '/shifts/0/role', message: `not one of the values; ${ONE_OF_ROLES}` },
        { in: 'body', pointer: '/shifts/0/backup', message: `unknown value "boss"; ${ONE_OF_ROLES}, null` },
      ],
    });

    const query = await put({ shifts: [] }, '?role=boss');
    expect(query.status).toBe(400);
    expect(query.body).toMatchObject({ errorCount: 1, errors: [{ in: 'querystring', pointer: '/role', message: `unknown value "boss"; ${ONE_OF_ROLES}` }] });
  });

  it('valid values pass, and a union that is not only literals keeps ajv’s errors', async () => {
    expect((await put({ shifts: [{ staffId: 'stf_1', role: 'agent', backup: null }, { staffId: 'stf_2', role: 'head_of_support', backup: 'team_leader' }] })).status).toBe(200);
    const response = await put({ shifts: [], owner: 'someone' });
    expect(response.status).toBe(400);
    expect(response.body.errors.map((e: { message: string }) => e.message)).toContain('must match a schema in anyOf');
  });
});
