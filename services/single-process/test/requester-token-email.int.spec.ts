import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { PROBLEM_CONTENT_TYPE } from '@tss/service-kit';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

// docs/auth.md "Requester tokens": a requester token files for the address the partner vouched for
// when minting it, or for none; a requester cannot have acknowledgments mailed to any address.
describe('a requester token’s tickets name the address its partner gave it, or none', () => {
  let platform: TestPlatform;
  let client: PlatformClient;
  let acme: { token: string; partnerId: string };

  beforeAll(async () => {
    platform = await startTestPlatform('requester_email');
    client = platform.client;
    acme = await client.partner(await platform.adminToken(), 'Acme Requester Mail');
  });

  afterAll(async () => {
    await platform?.stop();
  });

  const mint = async (body: Record<string, unknown>) => {
    const minted = await client.http().post('/v1/auth/requester-token').auth(acme.token, { type: 'bearer' }).send(body);
    expect(minted.status).toBe(200);
    return minted.body.access_token as string;
  };
  const file = (token: string, requester?: Record<string, unknown>) =>
    client.http().post('/v1/tickets').auth(token, { type: 'bearer' }).send(sampleTicket(requester ? { requester } : {}));
  const requesterOf = async (ticketId: string) =>
    (await platform.query<{ requester: { id?: string; email?: string } | null }>('ticket-intake', `SELECT request->'requester' AS requester FROM ticket_intake.tickets WHERE id = $1`, [ticketId]))[0]
      .requester;
  const ticketCount = async () => (await platform.query<{ n: number }>('ticket-intake', 'SELECT count(*)::int AS n FROM ticket_intake.tickets'))[0].n;

  it('a token minted with an address files for it: no address given, or the same in another case', async () => {
    const ann = await mint({ requesterId: 'cust-ann', email: 'ann@example.com' });
    const plain = await file(ann);
    const sameAddress = await file(ann, { email: 'ANN@Example.com', name: 'Ann' });
    expect([plain.status, sameAddress.status]).toEqual([201, 201]);
    expect(await requesterOf(plain.body.id)).toEqual({ id: 'cust-ann', email: 'ann@example.com' });
    expect(await requesterOf(sameAddress.body.id)).toMatchObject({ id: 'cust-ann', email: 'ann@example.com', name: 'Ann' });
  });

  it('another address is a 400 naming /requester/email, and nothing is filed', async () => {
    const ann = await mint({ requesterId: 'cust-ann', email: 'ann@example.com' });
    const before = await ticketCount();
    const refused = await file(ann, { email: 'victim@elsewhere.example' });
    expect(refused.status).toBe(400);
    expect(refused.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(refused.body).toMatchObject({ type: 'https://tss.dev/problems/validation', errors: [expect.objectContaining({ pointer: '/requester/email' })] });
    expect(await ticketCount()).toBe(before);
  });

  it('a token minted without an address files tickets that name none, and refuses one the requester types', async () => {
    const bob = await mint({ requesterId: 'cust-bob' });
    const plain = await file(bob);
    expect(plain.status).toBe(201);
    expect((await requesterOf(plain.body.id))?.email).toBeUndefined();
    const typed = await file(bob, { email: 'anyone@elsewhere.example' });
    expect(typed.status).toBe(400);
    expect(typed.body.errors).toEqual([expect.objectContaining({ pointer: '/requester/email', message: 'your token names no address' })]);
  });

  it('the partner vouches for a well-formed address only', async () => {
    const bad = await client.http().post('/v1/auth/requester-token').auth(acme.token, { type: 'bearer' }).send({ requesterId: 'cust-eve', email: 'not an address' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ pointer: '/email' })]);
  });

  it('a partner’s own filing still names any requester address (the partner is the one vouching)', async () => {
    const filed = await file(acme.token, { id: 'cust-carol', email: 'carol@example.com' });
    expect(filed.status).toBe(201);
    expect(await requesterOf(filed.body.id)).toEqual({ id: 'cust-carol', email: 'carol@example.com' });
  });
});
