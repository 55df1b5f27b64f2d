import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { tablesHolding as holdingTables } from './support/tables-holding';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const SECRET = 'inbound-secret-0123456789';
const DAY_MS = 24 * 3_600_000;
const VAULTED = /\[credentials stored securely: TSS vault #[0-9a-f]{8}\]/;

/** Each key carries a marker of its own in its base64, so a copy of any of them is found wherever it is kept. */
const marker = (of: string) => `PRIVKEYMARK43${of}`;
const DESCRIPTION_KEY = ['-----BEGIN EC PRIVATE KEY-----', `MHcCAQEEIBkg4LVWM9nuwNSk${marker('D')}3yByxZpYRTBnVJk5oIf7hrLkvDEk`, '-----END EC PRIVATE KEY-----'].join('\n');
const STEPS_KEY = ['-----BEGIN RSA PRIVATE KEY-----', `MIIEowIBAAKCAQEAtRT5${marker('S')}9x8y7z6`, '-----END RSA PRIVATE KEY-----'].join('\n');
const MESSAGE_KEY = ['-----BEGIN OPENSSH PRIVATE KEY-----', `b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ${marker('M')}`, 'AAAAAAAAAAEAAAAzAAAAC3NzaC1lZDI1NTE5', '-----END OPENSSH PRIVATE KEY-----'].join('\n');
const MESSAGE_PASSWORD = 'KeyMsgPw#4343';
/** Pasted into one line: its line breaks became spaces. */
const NOTE_KEY = ['-----BEGIN PRIVATE KEY-----', `MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg${marker('N')}`, '-----END PRIVATE KEY-----'].join(' ');
/** Cut: its END line never came. */
const CUT_KEY = ['-----BEGIN RSA PRIVATE KEY-----', `MIIEpAIBAAKCAQEAw9Lr${marker('C')}Qk2Zb7`, 'Hd8sQ2hlY2sgdGhpcyBpcyBub3Qg'].join('\r\n');
const MAILED_KEY = ['-----BEGIN PGP PRIVATE KEY BLOCK-----', 'Version: GnuPG v2', '', `lQOYBF3kQ2EBCADKpX9v7e3Yk0a1b2c3d4e5f6${marker('P')}`, '=Xy9Z', '-----END PGP PRIVATE KEY BLOCK-----'];
const HTML_MAILED_KEY = [
  'PuTTY-User-Key-File-3: ssh-ed25519',
  'Encryption: none',
  'Comment: eddsa-key-20261205',
  'Public-Lines: 1',
  'AAAAC3NzaC1lZDI1NTE5AAAAIPuttyPublicPart0123456789',
  'Private-Lines: 1',
  `AAAAIFPuttyPrivatePart0123456789${marker('Y')}`,
  'Private-MAC: 5b1e0f4a9c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f',
];
const MARKERS = ['D', 'S', 'M', 'N', 'C', 'P', 'Y'].map(marker);
/** Not particulars: they open nothing, and stay as written. */
const CERTIFICATE = ['-----BEGIN CERTIFICATE-----', 'MIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaCERTMARK43', '-----END CERTIFICATE-----'].join('\n');
const PUBLIC_KEY = ['-----BEGIN PUBLIC KEY-----', 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE9x8y7z6PUBMARK43', '-----END PUBLIC KEY-----'].join('\n');

// P9, docs/adr/0026 (addendum of 2026-12-05, fifth session): a private key pasted anywhere a partner,
// a requester or an agent writes is an access particular: vaulted whole, masked where it was
// written, and after the destruction deadline no table of any schema keeps any of it.
describe('a private key is an access particular, on every path (P9)', () => {
  const clock = new TestClock('2026-03-02T08:00:00.000Z');
  let platform: TestPlatform;
  let client: PlatformClient;
  let partner: { token: string; partnerId: string; clientId: string; clientSecret: string };
  let agent = '';
  let admin = '';
  let requester = '';
  const freshTokens = async () => {
    admin = await platform.adminToken();
    agent = (await client.staff(admin, ['agent'])).token;
    partner.token = await client.token(partner.clientId, partner.clientSecret);
    requester = await client.requester(partner.token, 'reader-43');
  };

  beforeAll(async () => {
    platform = await startTestPlatform('private_key_particulars', { clock, env: { MAIL_INBOUND_SECRET: SECRET } });
    client = platform.client;
    admin = await platform.adminToken();
    partner = await client.partner(admin, 'A-Books');
    await platform.partnerKnownToNotification(partner.partnerId);
    const put = await client.http().put('/v1/inbound/partner-domains/a-books.example').auth(admin, { type: 'bearer' }).send({ partnerId: partner.partnerId });
    expect(put.status).toBe(200);
    await freshTokens();
  });

  afterAll(async () => {
    await platform?.stop();
  });

  /** Every table of every schema holding a marker, as written or lower-cased as the search document keeps words. */
  const tablesHolding = async (needle: string) => [...new Set([...(await holdingTables(platform, needle)), ...(await holdingTables(platform, needle.toLowerCase()))])];
  const receive = async (lines: string[]) => {
    const response = await client.http().post('/v1/inbound/email').set('content-type', 'message/rfc822').set('x-tss-inbound-secret', SECRET).send(Buffer.from(lines.join('\r\n')));
    expect(response.status).toBe(202);
    return response.body as { outcome: string; ticketId?: string };
  };
  const get = (url: string, token = agent) => client.http().get(url).auth(token, { type: 'bearer' });
  const patch = async (ticketId: string, body: Record<string, unknown>) => {
    const current = await get(`/v1/tickets/${ticketId}`);
    const changed = await client.http().patch(`/v1/tickets/${ticketId}`).auth(agent, { type: 'bearer' }).set('if-match', current.headers.etag).send(body);
    expect(changed.status).toBe(200);
    return changed.body as Record<string, unknown>;
  };
  const post = async (ticketId: string, token: string, body: Record<string, unknown>) => {
    const posted = await client.http().post(`/v1/tickets/${ticketId}/messages`).auth(token, { type: 'bearer' }).send(body);
    expect(posted.status).toBe(201);
    return posted.body as { message: { body: string }; notes?: string[] };
  };
  const threadOf = async (ticketId: string) => ((await get(`/v1/tickets/${ticketId}/thread`)).body.items as { body: string }[]).map((m) => m.body);
  /** What the vault holds of a ticket, as staff reveal it: the key's block as its secret, its kind as the note. */
  const vaultOf = async (ticketId: string) => {
    const listed = (await get(`/v1/tickets/${ticketId}/credentials`)).body.items as { id: string; status: string }[];
    return Promise.all(listed.map(async (c) => (await get(`/v1/tickets/${ticketId}/credentials/${c.id}`)).body as { secret: string; note?: string }));
  };

  it('P9: keys in a request, a detail, messages, an internal note and mail (plain and HTML) are vaulted whole and masked; after destruction no table holds any', async () => {
    // A request whose description holds a key, filed through the API.
    const filed = await client.http().post('/v1/tickets').auth(partner.token, { type: 'bearer' }).send(sampleTicket({ description: `Reader rejects our signing key:\n${DESCRIPTION_KEY}`, requester: { id: 'reader-43', email: 'ann@a-books.example' } }));
    expect(filed.status).toBe(201);
    const ticketId = filed.body.id as string;
    expect(filed.body.description).toMatch(new RegExp(`^Reader rejects our signing key:\\n${VAULTED.source}$`));

    // The outside tester's two: a detail an agent records, and a requester's message with a password and a key.
    const changed = await patch(ticketId, { stepsToReproduce: `Open it with ${STEPS_KEY}` });
    expect(changed.stepsToReproduce).toMatch(new RegExp(`^Open it with ${VAULTED.source}$`));
    const message = await post(ticketId, requester, { body: `Login fails, password: ${MESSAGE_PASSWORD} still. Also my private key:\n${MESSAGE_KEY}` });
    expect(message.message.body).toMatch(new RegExp(`^Login fails, ${VAULTED.source} still\\. Also my private key:\\n${VAULTED.source}$`));
    // Two particulars, one of them a key, and the requester is told so.
    expect(message.notes).toEqual([expect.stringContaining('Your message contained access particulars, a private key among them.')]);
    // An agent's internal note with a key pasted into one line; a partner's comment with a key cut short.
    const noted = await post(ticketId, agent, { body: `Key for the team: ${NOTE_KEY}`, visibility: 'internal' });
    expect(noted.message.body).toMatch(new RegExp(`^Key for the team: ${VAULTED.source}$`));
    expect(noted.notes).toEqual([expect.stringContaining('Your internal note contained access particulars: a private key.')]);
    const cut = await post(ticketId, partner.token, { body: `The key, as far as it was copied:\r\n${CUT_KEY}` });
    expect(cut.message.body).toMatch(new RegExp(`^The key, as far as it was copied:\\r\\n${VAULTED.source}$`));
    // A certificate and a public key open nothing: they stay as written.
    const shown = await post(ticketId, requester, { body: `Our certificate:\n${CERTIFICATE}\nand public key:\n${PUBLIC_KEY}` });
    expect(shown.message.body).toBe(`Our certificate:\n${CERTIFICATE}\nand public key:\n${PUBLIC_KEY}`);
    expect(shown.notes ?? []).toEqual([]);

    // The requester's reply by mail, plain text, with a PGP key; a new request by mail, HTML only, with a PuTTY key.
    await waitFor('the ticket known to notification', async () => (await platform.query('notification', `SELECT 1 FROM notification.acknowledgments WHERE ticket_id = $1`, [ticketId])).length === 1);
    const replied = await receive([
      'From: ann@a-books.example',
      'To: support@tss.test',
      `Subject: Re: [${filed.body.reference as string}]`,
      'Message-ID: <pgp-reply@a-books.example>',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'My PGP key, as you asked:',
      ...MAILED_KEY,
      '',
    ]);
    expect(replied).toMatchObject({ outcome: 'threaded', ticketId });
    const opened = await receive([
      'From: gina@a-books.example',
      'To: support@tss.test',
      'Subject: Cannot connect with my PuTTY key',
      'Message-ID: <putty-new@a-books.example>',
      'Content-Type: text/html; charset=utf-8',
      '',
      `<p>Reader 4.2 sync over SSH fails. My key:</p><p>${HTML_MAILED_KEY.join('<br>')}</p>`,
      '',
    ]);
    expect(opened.outcome).toBe('new_ticket');
    const openedTicketId = await waitFor('the ticket filed from the mail', async () => {
      const [row] = await platform.query<{ ticket_id: string | null }>('notification', `SELECT ticket_id FROM notification.inbound_messages WHERE message_id = '<putty-new@a-books.example>'`);
      return row?.ticket_id ?? undefined;
    });

    // Staff reveal each key whole from the vault, its kind as the note.
    const vaulted = await waitFor('the mailed key vaulted', async () => {
      const items = await vaultOf(ticketId);
      return items.length === 7 && items;
    });
    const bySecret = (a: { secret: string }, b: { secret: string }) => a.secret.localeCompare(b.secret);
    expect(vaulted.map(({ secret, note }) => ({ secret, note })).sort(bySecret)).toEqual(
      [
        { secret: DESCRIPTION_KEY, note: 'EC private key' },
        { secret: STEPS_KEY, note: 'RSA private key' },
        { secret: MESSAGE_PASSWORD, note: undefined },
        { secret: MESSAGE_KEY, note: 'OpenSSH private key' },
        { secret: NOTE_KEY, note: 'private key' },
        { secret: CUT_KEY, note: 'RSA private key' },
        { secret: MAILED_KEY.join('\n'), note: 'PGP private key block' },
      ].sort(bySecret),
    );
    expect((await vaultOf(openedTicketId)).map(({ secret, note }) => ({ secret, note }))).toEqual([{ secret: HTML_MAILED_KEY.join('\n'), note: 'PuTTY private key' }]);
    const thread = await threadOf(ticketId);
    expect(thread.join('\n')).toContain('CERTMARK43');
    expect(thread.some((body) => body.startsWith('Your request contained access particulars: a private key.'))).toBe(true);
    expect((await threadOf(openedTicketId)).some((body) => body.startsWith('Your request contained access particulars: a private key.'))).toBe(true);

    // Nothing else holds any of them, once every consumer has taken the events (the in-process log
    // is scrubbed of `inTransit` after the last group commits).
    await waitFor('the events consumed and scrubbed', async () => (await tablesHolding(marker('P'))).length === 0 && (await tablesHolding(marker('Y'))).length === 0).catch(() => undefined);
    for (const needle of MARKERS) expect({ needle, tables: await tablesHolding(needle) }).toEqual({ needle, tables: [] });

    // Resolved, and past the deadline: destroyed, and still nowhere.
    await patch(ticketId, { status: 'resolved' });
    await patch(openedTicketId, { status: 'resolved' });
    clock.advanceMs(2 * DAY_MS);
    await freshTokens();
    for (const id of [ticketId, openedTicketId]) {
      await waitFor('the keys destroyed', async () => ((await get(`/v1/tickets/${id}/credentials`)).body.items as { status: string }[]).every((c) => c.status === 'destroyed'));
    }
    for (const needle of MARKERS) expect({ needle, tables: await tablesHolding(needle) }).toEqual({ needle, tables: [] });
  });
});
