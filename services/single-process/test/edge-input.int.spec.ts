import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { MAX_URI_LENGTH, PROBLEM_CONTENT_TYPE } from '@tss/service-kit';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

// DESIGN "Edge input": text PostgreSQL cannot store is a 400 at the schema, never a 500 or a
// silent replacement.
describe('edge input: text the database cannot store is refused at the edge', () => {
  let platform: TestPlatform;
  let client: PlatformClient;
  let acme: { partnerId: string; token: string };
  let admin: string;

  beforeAll(async () => {
    platform = await startTestPlatform('edge_input');
    client = platform.client;
    admin = await platform.adminToken();
    acme = await client.partner(admin, 'Acme Edge Input');
  });

  afterAll(async () => {
    await platform?.stop();
  });

  const storedTickets = async (): Promise<number> =>
    (await platform.query<{ n: number }>('ticket-intake', 'SELECT count(*)::int AS n FROM ticket_intake.tickets WHERE partner_id = $1', [acme.partnerId]))[0].n;
  // JSON text as a client may send it: JSON.stringify writes a lone surrogate as a \ud800 escape.
  const postRaw = (json: string) =>
    client.http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).set('content-type', 'application/json').send(json);
  const withField = (pointer: string, value: string): Record<string, unknown> => {
    const ticket: Record<string, unknown> = { ...sampleTicket(), requester: { name: 'Ann Example', id: 'cust-1' } };
    const [head, tail] = pointer.slice(1).split('/');
    if (tail) ticket[head] = { ...(ticket[head] as object), [tail]: value };
    else ticket[head] = value;
    return ticket;
  };
  // superagent types its serializer as returning a string; a Buffer it returns is sent as it is.
  const bytesAsIs = (bytes: Buffer): string => bytes as unknown as string;
  const expectFieldRefused = (
    response: { status: number; headers: Record<string, string>; body: { type?: string; errors?: { pointer: string; message: string }[] } },
    pointer: string,
  ) => {
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.body.type).toBe('https://tss.dev/problems/validation');
    expect(response.body.errors).toEqual([expect.objectContaining({ pointer, message: 'must not contain NUL (U+0000) or an unpaired UTF-16 surrogate' })]);
  };

  const TEXT_FIELDS = [
    '/productVersion',
    '/subject',
    '/description',
    '/stepsToReproduce',
    '/browser',
    '/operatingSystem',
    '/operatingSystemVersion',
    '/connectivity',
    '/antivirus',
    '/requester/name',
    '/requester/id',
  ];

  it.each(TEXT_FIELDS)('a NUL character in %s is a 400 problem naming the field, and nothing is stored', async (pointer) => {
    const response = await postRaw(JSON.stringify(withField(pointer, 'before\u0000after')));

    expectFieldRefused(response, pointer);
    expect(await storedTickets()).toBe(0);
  });

  it.each(TEXT_FIELDS)('a lone surrogate in %s is a 400 problem naming the field, and nothing is stored', async (pointer) => {
    const json = JSON.stringify(withField(pointer, 'before\ud800after'));
    expect(json).toContain('\\ud800'); // sent as the escape a JSON client produces

    expectFieldRefused(await postRaw(json), pointer);
    expect(await storedTickets()).toBe(0);
  });

  it('a lone low surrogate, and a reversed pair, are refused too', async () => {
    expectFieldRefused(await postRaw(JSON.stringify(withField('/description', 'x\udc00'))), '/description');
    expectFieldRefused(await postRaw(JSON.stringify(withField('/description', '\ude00\ud83d'))), '/description');
    expect(await storedTickets()).toBe(0);
  });

  it('a body with invalid UTF-8 bytes is a 400 problem, not text with replacement characters, and nothing is stored', async () => {
    const json = JSON.stringify(sampleTicket({ description: 'INVALID' }));
    const [before, after] = json.split('INVALID');
    const body = Buffer.concat([Buffer.from(before), Buffer.from([0x62, 0xff, 0xfe, 0x61, 0xc3]), Buffer.from(after)]);

    // The bytes as they are: supertest would otherwise serialise a Buffer as a JSON object.
    const response = await client
      .http()
      .post('/v1/tickets')
      .auth(acme.token, { type: 'bearer' })
      .set('content-type', 'application/json')
      .serialize(bytesAsIs)
      .send(body);

    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.body).toMatchObject({ type: 'https://tss.dev/problems/invalid-utf-8', status: 400, detail: expect.stringContaining('UTF-8') });
    expect(await storedTickets()).toBe(0);
  });

  it('text outside the BMP (surrogate pairs), accents and Cyrillic are stored exactly as sent', async () => {
    const other = await client.partner(admin, 'Acme Unicode');
    const description = 'Ридер падает 😀 on café EPUBs 𝄞';
    const response = await client.http().post('/v1/tickets').auth(other.token, { type: 'bearer' }).send(sampleTicket({ description }));

    expect(response.status).toBe(201);
    const [row] = await platform.query<{ description: string }>('ticket-intake', "SELECT request->>'description' AS description FROM ticket_intake.tickets WHERE id = $1", [response.body.id]);
    expect(row.description).toBe(description);
  });

  // An outside integrator: a description whose 120th UTF-16 unit was the first half of an emoji
  // filed nothing (500): the subject taken from it kept half a surrogate pair, which jsonb refuses.
  it.each([118, 119, 120])('a ticket without a subject whose description has an emoji after %i characters is filed, its subject cut between characters', async (at) => {
    const other = await client.partner(admin, `Acme Emoji Cut ${at}`);
    const description = `${'a'.repeat(at)}😀😀 more`;
    const response = await client.http().post('/v1/tickets').auth(other.token, { type: 'bearer' }).send({ ...sampleTicket({ description }), subject: undefined });

    expect(response.status).toBe(201);
    const subject = (response.body as { subject: string }).subject;
    expect(description.startsWith(subject)).toBe(true);
    expect(subject).not.toMatch(/[\uD800-\uDBFF]$/);
    const listed = await client.http().get('/v1/tickets').auth(other.token, { type: 'bearer' });
    expect(listed.body.items).toEqual([expect.objectContaining({ id: response.body.id, subject })]);
  });

  it('the gateway refuses a partner name with a NUL character with a 400 naming the field, and stores no partner', async () => {
    const response = await client.http().post('/v1/partners').auth(admin, { type: 'bearer' }).send({ name: 'Evil\u0000Corp' });

    expectFieldRefused(response, '/name');
    expect(await platform.query('gateway', "SELECT id FROM gateway.partners WHERE name LIKE 'Evil%'")).toEqual([]);
  });

  it('the gateway refuses a requester id with a NUL character: no token carries text intake could not store', async () => {
    const response = await client.http().post('/v1/auth/requester-token').auth(acme.token, { type: 'bearer' }).send({ requesterId: 'cust\u0000-1' });

    expectFieldRefused(response, '/requesterId');
    expect(response.body.access_token).toBeUndefined();
  });

  it('the token endpoint refuses a client id with a lone surrogate with a 400 naming the field', async () => {
    const response = await client.http().post('/v1/auth/token').send({ grant_type: 'client_credentials', client_id: 'pc_\ud800', client_secret: 'x' });

    expectFieldRefused(response, '/client_id');
  });

  // DESIGN P2 and the API's one rule for free text (libs/contracts VisibleText): a required field,
  // or an optional one that is given, must say something. White space, a zero-width space or a
  // byte order mark alone is a 400 problem naming the field, and nothing is stored or changed.
  describe('blank text where something must be said', () => {
    const BLANKS = [
      ['spaces', '   '],
      ['a zero-width space', '\u200b'],
      ['a byte order mark', '\ufeff'],
    ] as const;
    const BLANK_MESSAGE = 'must contain a visible character, not only white space, zero-width, format or control characters';
    const expectBlankRefused = (response: { status: number; headers: Record<string, string>; body: { type?: string; errors?: unknown[] } }, pointer: string) => {
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
      expect(response.body.type).toBe('https://tss.dev/problems/validation');
      expect(response.body.errors).toEqual([expect.objectContaining({ in: 'body', pointer, message: BLANK_MESSAGE })]);
    };
    const count = async (service: string, sql: string, parameters: unknown[] = []): Promise<number> => (await platform.query<{ n: number }>(service, sql, parameters))[0].n;

    let other: { partnerId: string; token: string };
    let agent: { staffId: string; token: string };
    let ticket: { id: string; etag: string };
    beforeAll(async () => {
      other = await client.partner(admin, 'Acme Blank Text');
      agent = await client.staff(admin, ['agent'], 'Blanca Agent');
      const filed = await client.http().post('/v1/tickets').auth(other.token, { type: 'bearer' }).send(sampleTicket());
      expect(filed.status).toBe(201);
      ticket = { id: filed.body.id, etag: filed.headers.etag };
    });

    describe.each(BLANKS)('%s', (_name, blank) => {
      it.each(TEXT_FIELDS)(`in the ticket's %s is a 400 problem naming the field, and no ticket is stored`, async (pointer) => {
        expectBlankRefused(await postRaw(JSON.stringify(withField(pointer, blank))), pointer);
        expect(await storedTickets()).toBe(0);
      });

      it("as a message's body is a 400 problem naming the field, and no message is stored", async () => {
        const messages = () => count('ticket-intake', 'SELECT count(*)::int AS n FROM ticket_intake.messages WHERE ticket_id = $1', [ticket.id]);
        const before = await messages();
        const response = await client.http().post(`/v1/tickets/${ticket.id}/messages`).auth(other.token, { type: 'bearer' }).send({ body: blank });

        expectBlankRefused(response, '/body');
        expect(await messages()).toBe(before);
      });

      it("as a ticket change's note is a 400 naming the field, not a blank note in the history, and the ticket is unchanged", async () => {
        const read = () => client.http().get(`/v1/tickets/${ticket.id}`).auth(agent.token, { type: 'bearer' });
        const before = (await read()).body;
        const response = await client.http().patch(`/v1/tickets/${ticket.id}`).auth(agent.token, { type: 'bearer' }).set('if-match', ticket.etag).send({ category: 'software_errors', note: blank });

        expectBlankRefused(response, '/note');
        expect((await read()).body).toEqual(before);
      });

      it("as a partner's name is a 400 naming the field, on registering and on renaming, and no partner is stored or renamed", async () => {
        const partners = () => count('gateway', 'SELECT count(*)::int AS n FROM gateway.partners');
        const before = await partners();
        expectBlankRefused(await client.http().post('/v1/partners').auth(admin, { type: 'bearer' }).send({ name: blank }), '/name');
        expectBlankRefused(await client.http().patch(`/v1/partners/${other.partnerId}`).auth(admin, { type: 'bearer' }).send({ name: blank }), '/name');

        expect(await partners()).toBe(before);
        expect(await platform.query('gateway', 'SELECT name FROM gateway.partners WHERE id = $1', [other.partnerId])).toEqual([{ name: 'Acme Blank Text' }]);
      });

      it("as a staff client's display name is a 400 naming the field, and no client is stored", async () => {
        const clients = () => count('gateway', 'SELECT count(*)::int AS n FROM gateway.api_clients');
        const before = await clients();
        expectBlankRefused(await client.http().post('/v1/clients').auth(admin, { type: 'bearer' }).send({ roles: ['agent'], displayName: blank }), '/displayName');

        expect(await clients()).toBe(before);
      });

      it("as a referral's reason is a 400 naming the field, and no referral is stored", async () => {
        const referrals = () => count('escalation', 'SELECT count(*)::int AS n FROM escalation.referrals');
        const before = await referrals();
        const response = await client.http().post(`/v1/tickets/${ticket.id}/referrals`).auth(agent.token, { type: 'bearer' }).send({ target: 'development', reason: blank });

        expectBlankRefused(response, '/reason');
        expect(await referrals()).toBe(before);
      });

      it('as a requester id is a 400 naming the field, and no token is minted', async () => {
        const response = await client.http().post('/v1/auth/requester-token').auth(acme.token, { type: 'bearer' }).send({ requesterId: blank });

        expectBlankRefused(response, '/requesterId');
        expect(response.body.access_token).toBeUndefined();
      });
    });

    it('text that says something around invisible characters is taken and stored exactly as sent', async () => {
      const description = '\ufeff  The reader\u200b crashes.  ';
      const response = await client.http().post('/v1/tickets').auth(other.token, { type: 'bearer' }).send(sampleTicket({ description }));

      expect(response.status).toBe(201);
      const [row] = await platform.query<{ description: string }>('ticket-intake', "SELECT request->>'description' AS description FROM ticket_intake.tickets WHERE id = $1", [response.body.id]);
      expect(row.description).toBe(description);
    });
  });

  it('an over-long request target is a 414 problem, before authentication', async () => {
    const response = await client.http().get(`/v1/tickets?filler=${'a'.repeat(MAX_URI_LENGTH)}`);

    expect(response.status).toBe(414);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.body).toMatchObject({ type: 'https://tss.dev/problems/uri-too-long', status: 414 });
  });

  it('a request line over Node’s 16 KiB header limit is a 431 problem, not a bare answer', async () => {
    const response = await client.http().get(`/v1/tickets?${'product=%C3%9C'.repeat(2_000)}`);

    expect(response.status).toBe(431);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.body).toMatchObject({ type: 'https://tss.dev/problems/header-fields-too-large', status: 431 });
  });

  it.each(['/v1/tickets/', '/v1/webhooks/endpoints/', '/v1/partners/', '/v1/queue/', '/v1/tickets//thread'])(
    'a trailing slash or an empty segment is one answer on every route: %s is a 404 not-found problem',
    async (path) => {
      for (const token of [acme.token, admin]) {
        const response = await client.http().get(path).auth(token, { type: 'bearer' });
        expect(response.status).toBe(404);
        expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
        expect(response.body).toMatchObject({ type: 'https://tss.dev/problems/not-found', status: 404 });
      }
    },
  );
});
