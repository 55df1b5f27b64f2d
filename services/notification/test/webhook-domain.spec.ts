import { Webhook } from 'standardwebhooks';
import { refusalOf } from '../src/domain/ssrf-policy';
import { signingSecrets, urlProblem } from '../src/domain/webhook-endpoint';
import { EventCatalogue } from '@tss/contracts';
import { filterProblem, isValidFilter, matchesAny, SUBSCRIBABLE_EVENT_TYPES } from '../src/domain/webhook-filter';
import { awaitedCause } from '../src/domain/webhook-event-order';
import { MAX_ATTEMPTS, nextRetryDelayMs, parseRetryAfterMs, RETRY_SCHEDULE_MS, shouldDisable } from '../src/domain/webhook-schedule';
import { newWebhookSecret, signatureHeader, signatureOf } from '../src/domain/webhook-signature';

describe('webhook rules (issue #11), pure', () => {
  it('signs id.timestamp.body like the standardwebhooks package (known answer from its README secret)', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const id = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
    const body = '{"test": 2432232314}';
    const at = new Date(1614265330 * 1000);
    expect(signatureOf(secret, id, 1614265330, body)).toBe(new Webhook(secret).sign(id, at, body));
    expect(signatureOf(secret, id, 1614265330, body)).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('a fresh secret is whsec_ and 24 random bytes, and the standardwebhooks package accepts it', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(newWebhookSecret()).not.toBe(secret);
    expect(() => new Webhook(secret)).not.toThrow();
  });

  it('during a rotation the header carries one signature per secret; after 24 h only the new one signs', () => {
    const now = new Date('2026-12-01T00:00:00Z');
    const endpoint = { secret: 'whsec_bmV3bmV3bmV3bmV3', previousSecret: 'whsec_b2xkb2xkb2xkb2xk', previousSecretExpiresAt: new Date(now.getTime() + 1) };
    expect(signingSecrets(endpoint, now)).toEqual([endpoint.secret, endpoint.previousSecret]);
    expect(signingSecrets(endpoint, new Date(now.getTime() + 1))).toEqual([endpoint.secret]);
    expect(signatureHeader(signingSecrets(endpoint, now), 'm', 1, 'b').split(' ')).toHaveLength(2);
  });

  it('docs/adr/0066: what an event’s deliveries are queued after (an sla or rating event: its ticket event; an escalation event: the event it names as its cause)', () => {
    expect(awaitedCause('sla.met', { ticketSequence: 2 })).toEqual({ kind: 'ticket-event', ticketSequence: 2 });
    expect(awaitedCause('sla.breached', { ticketSequence: 2 })).toBeUndefined(); // a timer's: follows its clock's start
    expect(awaitedCause('sla.met', {})).toBeUndefined(); // an older producer's
    const cause = { causeEventId: 'e-1', causeType: 'sla.breached' };
    expect(awaitedCause('escalation.raised', { ...cause, ticketSequence: 1 })).toEqual({ kind: 'event', eventId: 'e-1', eventType: 'sla.breached', ticketSequence: 1 });
    // A rating.submitted names no ticket event; the escalation it raised still waits for it.
    expect(awaitedCause('escalation.raised', { causeEventId: 'e-2', causeType: 'rating.submitted' })).toEqual({ kind: 'event', eventId: 'e-2', eventType: 'rating.submitted', ticketSequence: undefined });
    expect(awaitedCause('escalation.resolved', { causeEventId: 'e-3', causeType: 'sla.met', ticketSequence: 3 })).toMatchObject({ kind: 'event', eventId: 'e-3' });
    // A cause notification does not record: its ticket event instead; with none named, nothing.
    expect(awaitedCause('escalation.raised', { causeEventId: 'e-4', causeType: 'partner.updated', ticketSequence: 4 })).toEqual({ kind: 'ticket-event', ticketSequence: 4 });
    expect(awaitedCause('escalation.raised', { causeEventId: 'e-4', causeType: 'partner.updated' })).toBeUndefined();
    // No cause named: it follows its raise on escalation's own stream, whatever sequence it keeps.
    for (const type of ['escalation.renotified', 'escalation.acknowledged', 'escalation.resolved', 'escalation.referral_requested'])
      expect(awaitedCause(type, { ticketSequence: 7 })).toBeUndefined();
    expect(awaitedCause('ticket.created', { sequence: 1 })).toBeUndefined();
  });

  it('filters: exact types, a domain wildcard, everything; malformed filters are refused', () => {
    expect(matchesAny(['sla.*'], 'sla.breached')).toBe(true);
    expect(matchesAny(['sla.*'], 'slaX.breached')).toBe(false);
    expect(matchesAny(['ticket.resolved'], 'ticket.reopened')).toBe(false);
    expect(matchesAny(['*'], 'rating.submitted')).toBe(true);
    for (const bad of ['sla*', 'Ticket.created', '*.created', 'ticket.', '']) expect(isValidFilter(bad)).toBe(false);
  });

  it('filters name only what is delivered: the catalogue’s ticket, sla, escalation and rating events; typos and other domains are refused, naming the choices', () => {
    for (const good of ['*', 'ticket.*', 'sla.*', 'escalation.*', 'rating.*', 'ticket.resolved', 'sla.breached', 'escalation.raised', 'rating.submitted']) {
      expect({ good, problem: filterProblem(good) }).toEqual({ good, problem: undefined });
    }
    // Every subscribable type is a catalogue contract of a webhook domain not produced by notification itself.
    const delivered = EventCatalogue.filter((c) => c.owner !== 'notification' && /^(ticket|sla|escalation|rating)\./.test(c.type)).map((c) => c.type);
    expect([...SUBSCRIBABLE_EVENT_TYPES]).toEqual([...new Set(delivered)].sort());
    expect(filterProblem('ticket.resloved')).toMatch(/^ticket\.resloved is no event type; the ticket events are .*ticket\.resolved/);
    for (const [filter, domain] of [['bogus.*', 'bogus'], ['partner.*', 'partner'], ['notification.*', 'notification'], ['partner.created', 'partner'], ['staff.created', 'staff']]) {
      expect(filterProblem(filter)).toBe(`${filter}: no event of domain ${domain} is delivered; the domains are ticket, sla, escalation, rating`);
    }
    expect(filterProblem('Ticket.created')).toBeDefined();
  });

  it('a URL is stored only as it will be called: white space, line breaks, control and invisible characters are refused', () => {
    for (const url of ['http://127.0.0.1:18391/a\r\nX-Inj: 1', 'http://hooks.example.com/a b', 'http://hooks.example.com/a\tb', ' https://hooks.example.com/', 'https://hooks.example.com/\n', 'https://hooks.example.com/a\u0000', 'https://hooks.example.com/a\u200bb', 'https://hooks.example.com/\u202egnp.exe', 'https://hooks.example.com/a\u00a0b', 'https://hooks.example.com/\u0085']) {
      expect({ url, problem: urlProblem(url) }).toEqual({ url, problem: expect.stringContaining('must not contain spaces, line breaks') });
    }
    for (const url of ['https://hooks.example.com/tss', 'https://hooks.example.com/a%20b?x=%0D%0A', 'http://127.0.0.1:8080/hook', 'https://hooks.example.com/caf\u00e9']) expect({ url, problem: urlProblem(url) }).toEqual({ url, problem: undefined });
  });

  it('retries after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h with ±10 % jitter, then gives up after 8 attempts', () => {
    expect(RETRY_SCHEDULE_MS).toEqual([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    expect(RETRY_SCHEDULE_MS.map((_, i) => nextRetryDelayMs(i + 1, {}, 0.5))).toEqual(RETRY_SCHEDULE_MS);
    expect(nextRetryDelayMs(1, {}, 0)).toBe(4_500);
    expect(nextRetryDelayMs(1, {}, 0.999_999)).toBe(5_500);
    expect(nextRetryDelayMs(MAX_ATTEMPTS, {}, 0.5)).toBeUndefined();
    expect(nextRetryDelayMs(2, { retryAfterMs: 600_000 }, 0.5)).toBe(600_000);
    // A shorter Retry-After never shortens the schedule: a receiver answering 503 with
    // `Retry-After: 7` in a short maintenance must not spend all 8 attempts within a minute.
    expect(nextRetryDelayMs(2, { retryAfterMs: 7_000 }, 0.5)).toBe(RETRY_SCHEDULE_MS[1]);
    expect(nextRetryDelayMs(1, { retryAfterMs: 1_000 }, 0.5)).toBe(RETRY_SCHEDULE_MS[0]);
    const spent = Array.from({ length: MAX_ATTEMPTS - 1 }, (_, i) => nextRetryDelayMs(i + 1, { retryAfterMs: 7_000 }, 0.5)!).reduce((a, b) => a + b, 0);
    expect(spent).toBeGreaterThanOrEqual(RETRY_SCHEDULE_MS.reduce((a, b) => a + b, 0));
    expect(nextRetryDelayMs(2, { retryAfterMs: 90 * 24 * 3_600_000 }, 0.5)).toBe(36_000_000);
  });

  it('Retry-After is read on 429 and 503 only, as seconds or an HTTP date', () => {
    const now = new Date('2026-12-01T00:00:00Z');
    expect(parseRetryAfterMs(429, '120', now)).toBe(120_000);
    expect(parseRetryAfterMs(503, 'Tue, 01 Dec 2026 00:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfterMs(500, '120', now)).toBeUndefined();
    expect(parseRetryAfterMs(429, 'soon', now)).toBeUndefined();
  });

  it('an endpoint is disabled once it has failed every attempt for 5 days', () => {
    const since = new Date('2026-12-01T00:00:00Z');
    expect(shouldDisable(since, new Date('2026-12-04T23:59:59Z'))).toBe(false);
    expect(shouldDisable(since, new Date('2026-12-06T00:00:00Z'))).toBe(true);
    expect(shouldDisable(null, new Date('2027-01-01T00:00:00Z'))).toBe(false);
  });

  it('SSRF: loopback, private, link-local, metadata, CGNAT, ULA and mapped addresses are refused; public ones and allowed ones pass', () => {
    for (const address of ['127.0.0.1', '10.0.0.5', '172.16.3.4', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:169.254.169.254']) {
      expect({ address, refused: refusalOf(address) !== undefined }).toEqual({ address, refused: true });
    }
    for (const address of ['93.184.215.14', '2606:4700::6810:85e5', '8.8.8.8']) expect(refusalOf(address)).toBeUndefined();
    expect(refusalOf('127.0.0.1', ['127.0.0.1'])).toBeUndefined();
    expect(refusalOf('127.0.0.2', ['127.0.0.1'])).toBeDefined();
  });

  it('SSRF: IPv6 forms that embed or translate an IPv4 address, and special-purpose IPv6 ranges, are refused (ADR 0034 addendum)', () => {
    for (const address of [
      '::127.0.0.1', '::a00:1', '::7f00:1', // IPv4-compatible ::/96
      '::ffff:0:7f00:1', '::ffff:0:a9fe:a9fe', // IPv4-translated ::ffff:0:0:0/96
      '::ffff:7f00:1', '::ffff:a9fe:a9fe', // IPv4-mapped, written in hex
      '64:ff9b::a00:1', '64:ff9b::808:808', '64:ff9b:1::a00:1', // NAT64, well-known and local-use
      '2002:7f00:1::', '2002:a9fe:a9fe::1', '2002:808:808::1', // 6to4
      '2001::1', '2001:0:4136:e378:8000:63bf:3fff:fdd2', '2001:2::1', // Teredo, benchmarking (IETF protocol assignments 2001::/23)
      '2001:db8::1', '3fff::1', // documentation
      '100::1', // discard-only
      'fec0::1', 'ff02::1', '::', 'fe80::1%eth0',
    ]) {
      expect({ address, refused: refusalOf(address) !== undefined }).toEqual({ address, refused: true });
    }
    // Global unicast, and IPv4-mapped public addresses in either notation, still pass.
    for (const address of ['2606:4700::6810:85e5', '2a00:1450:4001:82b::200e', '2001:4860:4860::8888', '::ffff:8.8.8.8', '::ffff:808:808']) {
      expect({ address, refused: refusalOf(address) }).toEqual({ address, refused: undefined });
    }
    // An allowed address is allowed in whichever form it arrives.
    expect(refusalOf('::ffff:7f00:1', ['127.0.0.1'])).toBeUndefined();
    expect(refusalOf('0:0:0:0:0:0:0:1', ['::1'])).toBeUndefined();
  });
});
