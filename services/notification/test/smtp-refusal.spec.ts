import { classifySendFailure, countedAttempts, MAIL_MAX_ATTEMPTS, sessionRetryDelayMs } from '../src/domain/mail-delivery';
import { enhancedStatusOf, sessionRefusalOf, type SmtpFailure } from '../src/domain/smtp-refusal';
import { smtpFailureOf } from '../src/use-cases/mail-transport';

/** A failure as nodemailer 7 reports it: its code, the command answered, the server's reply. */
const failure = (errorCode: string, command: string, reply: string): SmtpFailure => ({ errorCode, command, reason: reply, ...(/^\d{3}/.test(reply) ? { responseCode: Number(reply.slice(0, 3)) } : {}) });

// docs/adr/0035, addendum of 2026-12-05, seventh session: a refusal of our session is our
// configuration's, and the mail waits for it to be fixed; a refusal of the message fails it.
describe('whom an SMTP refusal is about: our session or the message', () => {
  it.each([
    // RFC 4954 §6, nodemailer's EAUTH: our login, whatever the answer (its temporary ones too)
    ['535 5.7.8 bad password (the tester’s)', failure('EAUTH', 'AUTH PLAIN', '535 5.7.8 bad password'), 'login'],
    ['535 without an enhanced code', failure('EAUTH', 'AUTH LOGIN', '535 Authentication credentials invalid'), 'login'],
    ['534 5.7.9 mechanism too weak', failure('EAUTH', 'AUTH PLAIN', '534 5.7.9 Authentication mechanism is too weak'), 'login'],
    ['454 4.7.0 temporary authentication failure', failure('EAUTH', 'AUTH PLAIN', '454 4.7.0 Temporary authentication failure'), 'login'],
    ['432 4.7.12 a password transition is needed', failure('EAUTH', 'AUTH PLAIN', '432 4.7.12 A password transition is needed'), 'login'],
    ['no password configured for the user', { errorCode: 'EAUTH', command: 'API', reason: 'Missing credentials for "PLAIN"' }, 'login'],
    ['530 5.7.0 authentication required, at MAIL FROM (no user configured)', failure('EENVELOPE', 'MAIL FROM', '530 5.7.0 Authentication required'), 'login'],
    ['a 5.7.8 under another reply code', failure('EENVELOPE', 'MAIL FROM', '550 5.7.8 Authentication credentials invalid'), 'login'],
    // RFC 3207 §4, RFC 4954 §6: TLS first
    ['530 5.7.0 Must issue a STARTTLS command first', failure('EENVELOPE', 'MAIL FROM', '530 5.7.0 Must issue a STARTTLS command first'), 'encryption'],
    ['538 5.7.11 encryption required for the mechanism', failure('EAUTH', 'AUTH PLAIN', '538 5.7.11 Encryption required for requested authentication mechanism'), 'encryption'],
    ['STARTTLS refused', failure('ETLS', 'STARTTLS', '554 5.7.3 TLS not available'), 'encryption'],
    // RFC 5321 §3.1, RFC 7504: the server will not talk to us
    ['554 greeting', failure('EPROTOCOL', 'CONN', '554 No SMTP service here'), 'connection'],
    ['521 greeting', failure('EPROTOCOL', 'CONN', '521 5.3.2 mx.example does not accept mail'), 'connection'],
    ['EHLO refused', failure('ECONNECTION', 'EHLO', '550 5.7.1 Client host rejected'), 'connection'],
    // RFC 3463 §3.2, §3.8: our sender address, every mail's
    ['553 5.7.1 sender not owned by the user', failure('EENVELOPE', 'MAIL FROM', '553 5.7.1 <support@tss.example>: Sender address rejected: not owned by user tss-mailer'), 'sender'],
    ['550 5.1.8 bad sender system address', failure('EENVELOPE', 'MAIL FROM', '550 5.1.8 Sender domain does not resolve'), 'sender'],
  ])('%s: our session (%#)', (_name, given, refusal) => {
    expect(sessionRefusalOf(given)).toBe(refusal);
    expect(classifySendFailure(given)).toEqual({ kind: 'session_refused', refusal, reason: given.reason });
  });

  it.each([
    ['550 5.1.1 mailbox unavailable at RCPT TO', failure('EENVELOPE', 'RCPT TO', '550 5.1.1 mailbox unavailable'), 'permanent'],
    ['553 at RCPT TO', failure('EENVELOPE', 'RCPT TO', '553 5.1.3 mailbox name not allowed'), 'permanent'],
    // A relay that wants a login answers so, but so does a recipient's policy: the message's, as before.
    ['554 5.7.1 Relay access denied at RCPT TO', failure('EENVELOPE', 'RCPT TO', '554 5.7.1 Relay access denied'), 'permanent'],
    ['554 at the end of DATA', failure('EMESSAGE', 'DATA', '554 5.7.1 Message rejected as spam'), 'permanent'],
    ['500 Line too long at DATA', failure('EMESSAGE', 'DATA', '500 Line too long (see RFC5321 4.5.3.1.6)'), 'permanent'],
    ['552 5.3.4 too big, at MAIL FROM (SIZE=)', failure('EENVELOPE', 'MAIL FROM', '552 5.3.4 Message size exceeds fixed limit'), 'permanent'],
    ['550 at MAIL FROM without an enhanced code', failure('EENVELOPE', 'MAIL FROM', '550 Sender rejected'), 'permanent'],
    ['421 greeting', failure('EPROTOCOL', 'CONN', '421 4.3.2 Service not available'), 'transient'],
    ['451 at RCPT TO', failure('EENVELOPE', 'RCPT TO', '451 4.3.0 try again later'), 'transient'],
    ['a refused connection', { errorCode: 'ESOCKET', command: 'CONN', reason: 'connect ECONNREFUSED 127.0.0.1:587' }, 'transient'],
  ])('%s: the message’s, or no refusal', (_name, given, kind) => {
    expect(sessionRefusalOf(given)).toBeUndefined();
    expect(classifySendFailure(given).kind).toBe(kind);
  });

  it('reads RFC 3463 enhanced status codes after the reply code, and nothing else', () => {
    expect(enhancedStatusOf('535 5.7.8 bad password')).toEqual({ class: 5, subject: 7, detail: 8 });
    expect(enhancedStatusOf('250-2.1.0 ok')).toEqual({ class: 2, subject: 1, detail: 0 });
    expect(enhancedStatusOf('538 5.7.11 Encryption required')).toEqual({ class: 5, subject: 7, detail: 11 });
    expect(enhancedStatusOf('535 bad password 5.7.8')).toBeUndefined();
    expect(enhancedStatusOf('550 5.7.1234 nonsense')).toBeUndefined();
  });

  it('attempts refused for our session do not count, and their retries go on at the last step for ever', () => {
    expect(countedAttempts({ attempts: 12, attemptsNotCounted: 9 })).toBe(3);
    expect(countedAttempts({ attempts: MAIL_MAX_ATTEMPTS, attemptsNotCounted: 0 })).toBe(MAIL_MAX_ATTEMPTS);
    expect([1, 2, 8, 9, 100].map(sessionRetryDelayMs)).toEqual([60_000, 120_000, 4 * 3_600_000, 4 * 3_600_000, 4 * 3_600_000]);
  });
});

describe('the SMTP failure as the transport records it', () => {
  const nodemailerError = (message: string, fields: Record<string, unknown>) => Object.assign(new Error(message), fields);

  it('keeps nodemailer’s code, command and reply, and the server’s answer as the reason', () => {
    const error = nodemailerError('Invalid login: 535 5.7.8 bad password', { code: 'EAUTH', command: 'AUTH PLAIN', response: '535 5.7.8 bad password', responseCode: 535 });
    expect(smtpFailureOf(error)).toEqual({ errorCode: 'EAUTH', command: 'AUTH PLAIN', responseCode: 535, reason: '535 5.7.8 bad password' });
  });

  it('masks our SMTP user and password should the server echo them: the answer goes to the mail, its event and the log', () => {
    const error = nodemailerError('Invalid login', { code: 'EAUTH', command: 'AUTH LOGIN', response: '535 5.7.8 Authentication failed for tss-mailer@example.com (password S3cret-pass!)', responseCode: 535 });
    const { reason } = smtpFailureOf(error, { user: 'tss-mailer@example.com', password: 'S3cret-pass!' });
    expect(reason).toBe('535 5.7.8 Authentication failed for [MAIL_SMTP_USER] (password [MAIL_SMTP_PASSWORD])');
    // The user as a word of its own, not inside our sender address (outside re-test of 2026-12-05, seventh session).
    const sender = nodemailerError('Mail command failed', { code: 'EENVELOPE', command: 'MAIL FROM', response: '553 5.7.1 <support@tss.local>: Sender address rejected: not owned by user tss', responseCode: 553 });
    expect(smtpFailureOf(sender, { user: 'tss', password: 'S3cret-pass!' }).reason).toBe('553 5.7.1 <support@tss.local>: Sender address rejected: not owned by user [MAIL_SMTP_USER]');
    expect(smtpFailureOf(new Error('535 login tss. failed for <tss>'), { user: 'tss' }).reason).toBe('535 login [MAIL_SMTP_USER]. failed for <[MAIL_SMTP_USER]>');
    // Too short to tell from ordinary words: left as the server wrote them.
    expect(smtpFailureOf(new Error('535 no'), { user: 'no', password: 'o' }).reason).toBe('535 no');
  });
});
