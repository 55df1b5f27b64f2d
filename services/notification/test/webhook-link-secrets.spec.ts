import { webhookBodyFor } from '../src/domain/webhook-link-secrets';

const PARTNER = '5b0d1c8e-52b4-4bb7-9a39-6f1f3c7e2a10';
const event = (data: Record<string, unknown>) => JSON.stringify({ type: 'ticket.message_received', data: { partnerId: PARTNER, ...data } });

describe('webhook bodies carry the requester’s link credentials to the partner’s own endpoint only', () => {
  const partnerEndpoint = { ownerKind: 'partner' as const, partnerId: PARTNER };
  const staffEndpoint = { ownerKind: 'staff' as const, partnerId: null };

  it('the partner’s endpoint gets the body byte for byte; another partner’s or a staff endpoint gets it withheld', () => {
    const body = event({ rateUrl: 'https://h.example/rate/tok123', text: 'open https://h.example/support/t/v1.k1.abc.def now' });
    expect(webhookBodyFor(partnerEndpoint, body)).toBe(body);
    for (const endpoint of [staffEndpoint, { ownerKind: 'staff' as const, partnerId: PARTNER }, { ownerKind: 'partner' as const, partnerId: '00000000-0000-4000-8000-000000000000' }]) {
      const sent = JSON.parse(webhookBodyFor(endpoint, body));
      expect(sent.data).toEqual({ partnerId: PARTNER, rateUrl: 'https://h.example/rate/[withheld]', text: 'open https://h.example/support/t/[withheld] now' });
    }
  });

  it('a body without a credential is sent as it is; one whose string holds a quote after the token stays valid JSON', () => {
    const plain = event({ text: 'no link here' });
    expect(webhookBodyFor(staffEndpoint, plain)).toBe(plain);
    const quoted = event({ text: 'see /rate/tok"123 and /rate/tok\\x' });
    expect(JSON.parse(webhookBodyFor(staffEndpoint, quoted)).data.text).toBe('see /rate/[withheld]"123 and /rate/[withheld]');
  });
});
