import { Type } from '@sinclair/typebox';
import pino from 'pino';
import request from 'supertest';
import { createServiceApp, type ServiceApp } from '../src/create-app';
import { lazySchemas } from '../src/http/lazy-schemas';
import { PROBLEM_CONTENT_TYPE } from '../src/problem';

// docs/adr/0075: route schemas are compiled at their first use, not while the app gets ready.
describe('route schemas compiled at first use', () => {
  const errors: string[] = [];
  const logger = pino({ level: 'error' }, { write: (line: string) => void errors.push(line) });
  let app: ServiceApp;

  const thing = {
    schema: {
      querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 10, default: 5 }) }),
      response: { 200: Type.Object({ limit: Type.Integer(), kind: Type.String() }) },
    },
  };

  beforeEach(async () => {
    errors.length = 0;
    app = await createServiceApp({ name: 'lazy', logger });
    app.get('/a', thing, async (req) => ({ limit: req.query.limit, kind: 'a', secret: 'not in the schema' }));
    app.get('/b', thing, async (req) => ({ limit: req.query.limit, kind: 'b' }));
    // fast-json-stringify cannot resolve this reference: compiling it throws.
    app.get('/broken', { schema: { response: { 200: { $ref: 'nowhere#/missing' } } } }, async () => ({ ok: true }));
    await app.ready();
  });

  afterEach(async () => {
    await app.close();
  });

  it('getting ready compiles none of them: a schema that cannot compile is found when it is compiled, and stays to compile', async () => {
    await request(app.server).get('/a?limit=3').expect(200);
    await request(app.server).get('/a?limit=4').expect(200);
    // Left after the two requests to /a: /b's query and response, /broken's response.
    expect(() => app.compileRouteSchemas()).toThrow('the schema of GET /broken (response 200) does not compile');
    expect(() => app.compileRouteSchemas()).toThrow('GET /broken');
  });

  it('a route part is compiled at its first call and never again; the ajv and serializer factories at their first compilation', () => {
    const built = { validatorFactories: 0, validators: 0, serializerFactories: 0, serializers: 0 };
    const schemas = lazySchemas(
      () => {
        built.validatorFactories += 1;
        return () => {
          built.validators += 1;
          return Object.assign(() => true, { errors: null, schemaEnv: {} }) as never;
        };
      },
      () => {
        built.serializerFactories += 1;
        return () => {
          built.serializers += 1;
          return (payload: unknown) => JSON.stringify(payload);
        };
      },
    );
    const validate = schemas.buildValidator({}, {})({ schema: {}, method: 'GET', url: '/x', httpPart: 'querystring' });
    const serialize = schemas.buildSerializer({}, {})({ schema: {}, method: 'GET', url: '/x', httpStatus: '200' });
    expect(built).toEqual({ validatorFactories: 0, validators: 0, serializerFactories: 0, serializers: 0 });

    for (let i = 0; i < 3; i += 1) {
      expect(validate({ q: 'a' })).toBe(true);
      expect(serialize({ n: i })).toBe(`{"n":${i}}`);
    }

    expect(built).toEqual({ validatorFactories: 1, validators: 1, serializerFactories: 1, serializers: 1 });
    expect(schemas.compileAll()).toBe(0);
  });

  it('validates, coerces and serializes as the schemas say', async () => {
    const answer = await request(app.server).get('/a?limit=7').expect(200);
    expect(answer.body).toEqual({ limit: 7, kind: 'a' }); // coerced to a number; a property outside the schema left out
    expect((await request(app.server).get('/a')).body).toEqual({ limit: 5, kind: 'a' }); // the default applied
    const refused = await request(app.server).get('/a?limit=11');
    expect(refused.status).toBe(400);
    expect(refused.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(refused.body.errors).toEqual([expect.objectContaining({ in: 'querystring', pointer: '/limit' })]);
  });

  it('a schema that does not compile fails its own requests with a 500 problem and an error line, not the start', async () => {
    await request(app.server).get('/b?limit=2').expect(200);
    const broken = await request(app.server).get('/broken');
    expect(broken.status).toBe(500);
    expect(broken.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(errors.join('\n')).toContain('the schema of GET /broken (response 200) does not compile');
    await request(app.server).get('/b?limit=2').expect(200);
  });

  it('compileRouteSchemas compiles what is left and counts it', async () => {
    const bare = await createServiceApp({ name: 'lazy-bare', logger });
    await bare.ready();
    const own = bare.compileRouteSchemas(); // the app's own routes: health, readiness, metrics
    await bare.close();
    const fine = await createServiceApp({ name: 'lazy-fine', logger });
    try {
      fine.get('/a', thing, async (req) => ({ limit: req.query.limit, kind: 'a' }));
      fine.get('/b', thing, async (req) => ({ limit: req.query.limit, kind: 'b' }));
      await fine.ready();
      await request(fine.server).get('/a?limit=1').expect(200);
      // and /b's query and response, and those of the HEAD routes fastify adds for /a and /b
      expect(fine.compileRouteSchemas()).toBe(own + 6);
      expect(fine.compileRouteSchemas()).toBe(0);
    } finally {
      await fine.close();
    }
  });
});

// ajv's own check of each schema against JSON Schema's meta-schema is made once per app (request-validation.ts).
describe('route schemas checked against the meta-schema', () => {
  const logger = pino({ level: 'silent' });

  it('a route schema the meta-schema refuses does not compile, named with its route and the keyword', async () => {
    const app = await createServiceApp({ name: 'meta', logger });
    try {
      app.get('/fine', { schema: { querystring: Type.Object({ q: Type.Optional(Type.String({ minLength: 1 })) }) } }, async () => ({}));
      // ajv's compilation ignores `examples` (an annotation); the meta-schema wants an array.
      app.get('/wrong', { schema: { querystring: { type: 'object', properties: { q: { type: 'string', examples: 'a' } } } } }, async () => ({}));
      await app.ready();
      await request(app.server).get('/fine?q=a').expect(200);
      expect((await request(app.server).get('/wrong?q=a')).status).toBe(500);
      expect(() => app.compileRouteSchemas()).toThrow(/GET \/wrong \(querystring\) does not compile: schema is invalid: .*examples must be array/);
    } finally {
      await app.close();
    }
  });

  it('so is a shared schema a route refers to', async () => {
    const app = await createServiceApp({ name: 'meta-shared', logger });
    try {
      await app.register(async (scope) => {
        scope.addSchema({ $id: 'Wrong', type: 'object', required: 'name' });
        scope.post('/things', { schema: { body: { $ref: 'Wrong#' } } }, async () => ({}));
      });
      await app.ready();
      expect((await request(app.server).post('/things').send({ name: 'x' })).status).toBe(500);
      expect(() => app.compileRouteSchemas()).toThrow(/schema is invalid: .*required must be array/);
    } finally {
      await app.close();
    }
  });
});

