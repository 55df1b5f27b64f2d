import { randomUUID } from 'node:crypto';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { notificationService } from '../src/index';
import { endpointDisabledMail } from '../src/domain/webhook-disabled-mail';
import { MaskKeptDescriptionsAndNames1765606410000 } from '../src/store/migrations/1765606410000-mask-kept-descriptions-and-names';

const SECRETS = ['RT5-WD-pw6#', 'RT5-SN-pw8#', 'RT5-RU-pw0#'];
const REMOVED = '[access particulars removed]';

// P9 (docs/adr/0026, addendum of 2026-12-05, fifth session): releases before it kept a webhook
// endpoint's description as written (and mailed it when the endpoint was disabled), and copied
// each staff display name the gateway announced as written.
describe('upgrade: descriptions and names notification kept with access particulars (migration 1765606410000)', () => {
  const clock = new TestClock('2026-12-05T12:00:00.000Z');
  const partnerId = randomUUID();
  const endpoints = { leaky: randomUUID(), plain: randomUUID() };
  const mails = { leaky: randomUUID(), russian: randomUUID() };
  let sut: ServiceUnderTest;

  beforeAll(async () => {
    sut = await startServiceUnderTest(notificationService, {
      clock,
      database: {
        before: 1765606410000,
        write: async (query) => {
          const endpoint = `INSERT INTO notification.webhook_endpoints (id, owner_kind, partner_id, created_by, url, description, event_types, secret, status, created_at, updated_at)
                            VALUES ($1, 'partner', $2, 'partner-admin', 'https://hooks.example/tss', $3, '{ticket.*}', 'sealed', 'disabled', '2026-12-01T09:00:00Z', '2026-12-01T09:00:00Z')`;
          await query(endpoint, [endpoints.leaky, partnerId, `Alerts; password: ${SECRETS[0]}`]);
          await query(endpoint, [endpoints.plain, partnerId, 'password reset events']);
          const directory = `INSERT INTO notification.staff_directory (staff_id, email, display_name, roles, active, changed_at) VALUES ($1, $2, $3, '{agent}', true, '2026-12-01T09:00:00Z')`;
          await query(directory, ['sc_bob', 'bob@support.example', `Bob login: bob password: ${SECRETS[1]}`]);
          await query(directory, ['sc_token', 'token@support.example', 'Token Books']);
          const disabledMail = async (id: string, description: string, language: 'en' | 'ru') => {
            const mail = endpointDisabledMail(
              { endpointId: endpoints.leaky, url: 'https://hooks.example/tss', description, failingSince: new Date('2026-11-26T09:00:00Z'), disabledAt: new Date('2026-12-01T09:00:00Z'), reason: 'failing for 5 days', publicUrl: 'https://tss.example' },
              language,
            );
            await query(
              `INSERT INTO notification.mail_messages (id, ticket_id, partner_id, kind, recipient, language, message_id, subject, text_body, html_body, status, attempts, created_at, sent_at)
               VALUES ($1, NULL, $2, 'webhook_endpoint_disabled', 'ops@partner.example', $3, $4, $5, $6, $7, 'sent', 1, '2026-12-01T09:00:00Z', '2026-12-01T09:00:01Z')`,
              [id, partnerId, language, `<${id}@tss.test>`, mail.subject, mail.text, mail.html],
            );
          };
          await disabledMail(mails.leaky, `Alerts; password: ${SECRETS[0]}`, 'en');
          await disabledMail(mails.russian, `Оповещения, пароль: ${SECRETS[2]}`, 'ru');
        },
      },
    });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const snapshot = async () => ({
    endpoints: await sut.query<{ id: string; description: string }>(`SELECT id::text AS id, description FROM notification.webhook_endpoints ORDER BY id`),
    directory: await sut.query<{ id: string; name: string }>(`SELECT staff_id AS id, display_name AS name FROM notification.staff_directory ORDER BY staff_id`),
    mails: await sut.query<{ id: string; text: string; html: string }>(`SELECT id::text AS id, text_body AS text, html_body AS html FROM notification.mail_messages ORDER BY id`),
  });

  it('P9: no table of notification holds the passwords any more; other descriptions and names stay as written', async () => {
    const kept = await snapshot();
    const text = JSON.stringify(kept);
    for (const secret of SECRETS) expect(text).not.toContain(secret);
    expect(Object.fromEntries(kept.endpoints.map((e) => [e.id, e.description]))).toEqual({ [endpoints.leaky]: `Alerts; ${REMOVED}`, [endpoints.plain]: 'password reset events' });
    expect(kept.directory).toEqual([
      { id: 'sc_bob', name: `Bob ${REMOVED}` },
      { id: 'sc_token', name: 'Token Books' },
    ]);
    const mail = (id: string) => kept.mails.find((m) => m.id === id)!;
    expect(mail(mails.leaky).text).toContain(`- Description: Alerts; ${REMOVED}\n`);
    expect(mail(mails.leaky).html).toContain(`Alerts; ${REMOVED}`);
    expect(mail(mails.russian).text).toContain(`Оповещения, ${REMOVED}`);

    const token = sut.token({ kind: 'partner', partner_id: partnerId, scope: 'webhooks:manage' });
    const listed = await sut.http().get('/v1/webhooks/endpoints').auth(token, { type: 'bearer' });
    expect(listed.body.items.map((e: { description: string }) => e.description).sort()).toEqual([`Alerts; ${REMOVED}`, 'password reset events']);
  });

  it('running the migration again changes nothing', async () => {
    const before = await snapshot();
    const runner = sut.host.dataSource.createQueryRunner();
    try {
      await new MaskKeptDescriptionsAndNames1765606410000().up(runner);
    } finally {
      await runner.release();
    }
    expect(await snapshot()).toEqual(before);
  });
});
