import { allowedHostsOf, webhooksPart } from '../src/parts/webhooks.part';

describe('webhook settings (issue #11)', () => {
  const config = { WEBHOOK_ALLOW_PRIVATE_HOSTS: '', WEBHOOK_TIMEOUT_MS: 10_000, WEBHOOK_CONCURRENCY_PER_ENDPOINT: 4, WEBHOOK_MAX_IN_FLIGHT: 32, WEBHOOK_RETENTION_DAYS: 30, MAIL_FROM: 'TSS <support@tss.test>', TSS_PUBLIC_URL: 'https://tss.example' };

  it('WEBHOOK_ALLOW_PRIVATE_HOSTS lists IP addresses; anything else fails the start, named', () => {
    expect(allowedHostsOf(' 127.0.0.1, ::1 ,,')).toEqual(['127.0.0.1', '::1']);
    expect(webhooksPart.configProblems?.({ ...config, WEBHOOK_ALLOW_PRIVATE_HOSTS: '127.0.0.1,::1' })).toEqual([]);
    expect(webhooksPart.configProblems?.({ ...config, WEBHOOK_ALLOW_PRIVATE_HOSTS: '127.0.0.1,localhost,10.0.0.0/8' })).toEqual([
      'WEBHOOK_ALLOW_PRIVATE_HOSTS: localhost is not an IP address',
      'WEBHOOK_ALLOW_PRIVATE_HOSTS: 10.0.0.0/8 is not an IP address',
    ]);
  });
});
