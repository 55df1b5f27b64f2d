import { Type } from '@sinclair/typebox';
import { BlobStorageEnv, blobStorageConfigProblems, blobStorageFrom } from '@tss/blob-storage';
import { BaseEnv, NewTicketsPerAddressEnv, SiteLinkEnv, SiteLinkKeys, namedPlugin } from '@tss/service-kit';
import { addressOf, domainOf } from '../domain/mail-delivery';
import { inboundRecipientDomains } from '../domain/inbound-recipients';
import { inboundRoutes } from '../http/inbound.routes';
import { InboundSmtpListener } from '../http/inbound-smtp.listener';
import { receiveInboundMail } from '../use-cases/inbound-receive';
import { mailOutboxRoutes } from '../http/mail-outbox.routes';
import { mailTicketHandlers } from '../events/mail-ticket-events.handlers';
import { CreateMail1765200200000 } from '../store/migrations/1765200200000-create-mail';
import { MailResolution1765200210000 } from '../store/migrations/1765200210000-mail-resolution';
import { CreateInboundMail1765200220000 } from '../store/migrations/1765200220000-create-inbound-mail';
import { InboundNewTicketsBySender1765300460000 } from '../store/migrations/1765300460000-inbound-new-tickets-by-sender';
import { MaskKeptMail1765300490000 } from '../store/migrations/1765300490000-mask-kept-mail';
import { MaskSentMail1765501340000 } from '../store/migrations/1765501340000-mask-sent-mail';
import { MailSiteRequesterFloor1765501402000 } from '../store/migrations/1765501402000-mail-site-requester-floor';
import { MailSiteRequester1765300400000 } from '../store/migrations/1765300400000-mail-site-requester';
import { StaffAndEscalationNotices1765300410000 } from '../store/migrations/1765300410000-staff-and-escalation-notices';
import { InboundRelease1765600100000 } from '../store/migrations/1765600100000-inbound-release';
import { MailRecipientName1765601500000 } from '../store/migrations/1765601500000-mail-recipient-name';
import { InboundFollowUpOf1765602100000 } from '../store/migrations/1765602100000-inbound-follow-up-of';
import { MailAttemptInstance1765602701000 } from '../store/migrations/1765602701000-mail-attempt-instance';
import { InboundSenderName1765602800000 } from '../store/migrations/1765602800000-inbound-sender-name';
import { MailThreadMessage1765603100000 } from '../store/migrations/1765603100000-mail-thread-message';
import { MaskKeptMailFileNames1765603900000 } from '../store/migrations/1765603900000-mask-kept-mail-file-names';
import { MailRatingLinkSequences1765604400000 } from '../store/migrations/1765604400000-mail-rating-link-sequences';
import { StaffDirectoryLanguage1765604700000 } from '../store/migrations/1765604700000-staff-directory-language';
import { MaskKeptPrivateKeys1765606310000 } from '../store/migrations/1765606310000-mask-kept-private-keys';
import { MaskKeptKeyRemainders1765606540000 } from '../store/migrations/1765606540000-mask-kept-key-remainders';
import { MailTraceContext1765606800000 } from '../store/migrations/1765606800000-mail-trace-context';
import { MailTicketLine1765606810000 } from '../store/migrations/1765606810000-mail-ticket-line';
import { MailSessionRefusals1765606840000 } from '../store/migrations/1765606840000-mail-session-refusals';
import { MailResent1765606841000 } from '../store/migrations/1765606841000-mail-resent';
import { MailOutboxPages1765606851000 } from '../store/migrations/1765606851000-mail-outbox-pages';
import { escalationNoticeHandlers } from '../events/escalation-notice.handlers';
import { staffDirectoryHandlers } from '../events/staff-directory.handlers';
import { siteLinksFrom } from '../use-cases/site-links';
import { MAIL_SEND_TIMER } from '../use-cases/mail-queue';
import { MailSender, mailStopBudgetMs } from '../use-cases/mail-sender';
import { localOutboxTransport, smtpAttemptBoundMs, smtpTransport } from '../use-cases/mail-transport';
import { defineNotificationPart } from './notification-part';
import { mailMetrics } from '../use-cases/mail-metrics';

/** The mail settings (read by the acknowledgments part too, which queues the acknowledgment). */
export const MAIL_CONFIG = {
  MAIL_FROM: Type.String({ minLength: 3, default: 'TSS Support <support@tss.local>', description: 'From address of every mail; its domain names our Message-IDs' }),
  MAIL_SMTP_HOST: Type.Optional(Type.String({ minLength: 1, description: 'SMTP server; unset: mail stays in the local outbox (GET /v1/mail/outbox)' })),
  MAIL_SMTP_PORT: Type.Integer({ minimum: 1, maximum: 65_535, default: 587 }),
  MAIL_SMTP_SECURE: Type.Boolean({ default: false, description: 'TLS from the start (port 465); otherwise STARTTLS when offered' }),
  MAIL_SMTP_USER: Type.Optional(Type.String({ minLength: 1 })),
  MAIL_SMTP_PASSWORD: Type.Optional(Type.String()),
  // RFC 5321 §4.5.3.2: a client waits 5 minutes for the greeting and 10 for the reply to the end of
  // DATA; giving up sooner abandons mail the server may still accept, and sends it again.
  MAIL_SMTP_CONNECT_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 30_000, description: 'Time to connect to the SMTP server' }),
  MAIL_SMTP_GREETING_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 300_000, description: "Time for the SMTP server's greeting (RFC 5321 §4.5.3.2.1: 5 minutes)" }),
  MAIL_SMTP_REPLY_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    maximum: 3_600_000,
    default: 600_000,
    description: "Time for any one reply of the SMTP server (RFC 5321 §4.5.3.2.6: 10 minutes for the end of DATA); the next attempt of a mail is armed no sooner than connect + greeting + reply",
  }),
  MAIL_SEND_CONCURRENCY: Type.Integer({
    minimum: 1,
    maximum: 64,
    default: 16,
    // Measured (notification alone, 1,000 acknowledgments at once, load average ~10 on 2 cores): the
    // last mail reached the SMTP server 12-14 s after the last was queued with 4, 3 s with 8, 1-2 s with 16.
    // The ack benchmark at 100 tickets/s, back to back: p99 4.1-11 s with 8, 0.43 s with 16 (docs/adr/0051).
    description: 'Mails handed to SMTP at once per replica, each over a pooled connection of its own (mind the server’s per-client limit)',
  }),
  MAIL_RATING_WAIT_SECONDS: Type.Integer({
    minimum: 0,
    maximum: 3_600,
    default: 120,
    description: 'P11: how long the resolved mail waits for the rating link so both go in one mail',
  }),
  MAIL_INBOUND_SECRET: Type.Optional(
    Type.String({ minLength: 16, description: 'Shared secret inbound-mail providers send in x-tss-inbound-secret; unset: POST /v1/inbound/email answers 401' }),
  ),
  ESCALATION_NOTICE_FALLBACK_EMAIL: Type.Optional(
    Type.String({
      pattern: '^[^\\s@<>]+@[^\\s@<>]+$',
      description: 'P7: gets the escalation notice when no staff member it targets has an address (e.g. a support leads list); unset: a warning is logged. A staff address: its mail naming a ticket is quarantined, never threaded',
    }),
  ),
  MAIL_INBOUND_MAX_BYTES: Type.Integer({ minimum: 1_024, default: 30 * 1_048_576, description: 'Largest raw inbound mail accepted (HTTP and SMTP)' }),
  ...NewTicketsPerAddressEnv,
  MAIL_INBOUND_TRUSTED_AUTHSERV_ID: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z0-9.-]+$',
      description:
        'The authserv-id of the receiving mail server in front of TSS (RFC 8601): its Authentication-Results are believed, and mail whose From it found forged (DMARC fail; or SPF fail without a passing DKIM) is quarantined. That server must remove such headers senders wrote. Unset: From is taken as written',
    }),
  ),
  INBOUND_SMTP_PORT: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 65_535, description: 'Services mode: an SMTP listener for inbound mail from the MX in front of TSS (same pipeline as POST /v1/inbound/email); unset: off' }),
  ),
  INBOUND_SMTP_HOST: Type.String({ minLength: 1, default: '127.0.0.1', description: 'Address the inbound SMTP listener binds to' }),
  INBOUND_SMTP_DOMAINS: Type.Optional(
    Type.String({
      pattern: '^\\s*[A-Za-z0-9.-]+(\\s*,\\s*[A-Za-z0-9.-]+)*\\s*$',
      description: 'Comma-separated mail domains whose recipients the inbound SMTP listener takes; any other is refused (550 5.1.1). Unset: the domain of MAIL_FROM',
    }),
  ),
  INBOUND_SMTP_MAX_RECIPIENTS: Type.Integer({ minimum: 1, maximum: 1_000, default: 50, description: 'Recipients the inbound SMTP listener takes in one transaction; the next are answered 452 4.5.3' }),
  // The process's stop budget, declared as the same object: a send the SMTP server is taking may finish within it.
  SHUTDOWN_TIMEOUT_MS: BaseEnv.SHUTDOWN_TIMEOUT_MS,
};


/** Issue #11: mail out (durable, retried) and the local outbox. */
export const mailPart = defineNotificationPart({
  name: 'mail',
  // P12: the support-site link in every requester's mail uses the gateway's settings, declared as the same objects.
  config: { ...MAIL_CONFIG, ...BlobStorageEnv, ...SiteLinkEnv },
  // Where inbound mail's attachments go: the same storage intake reads (DESIGN "Blobs"), the same settings.
  configProblems: (config) => [...blobStorageConfigProblems(config), ...SiteLinkKeys.problems(config)],
  migrations: [CreateMail1765200200000, MailResolution1765200210000, CreateInboundMail1765200220000, MailSiteRequester1765300400000, StaffAndEscalationNotices1765300410000, InboundNewTicketsBySender1765300460000, MaskKeptMail1765300490000, MaskSentMail1765501340000, MailSiteRequesterFloor1765501402000, InboundRelease1765600100000, MailRecipientName1765601500000, InboundFollowUpOf1765602100000, MailAttemptInstance1765602701000, InboundSenderName1765602800000, MailThreadMessage1765603100000, MaskKeptMailFileNames1765603900000, MailRatingLinkSequences1765604400000, StaffDirectoryLanguage1765604700000, MaskKeptPrivateKeys1765606310000, MaskKeptKeyRemainders1765606540000, MailTraceContext1765606800000, MailTicketLine1765606810000, MailSessionRefusals1765606840000, MailResent1765606841000, MailOutboxPages1765606851000],
  build: (deps) => {
    mailMetrics(); // its counters' series exist from the start, before the first mail
    const c = deps.config;
    const smtpTimeouts = { connectTimeoutMs: c.MAIL_SMTP_CONNECT_TIMEOUT_MS, greetingTimeoutMs: c.MAIL_SMTP_GREETING_TIMEOUT_MS, replyTimeoutMs: c.MAIL_SMTP_REPLY_TIMEOUT_MS };
    const transport = c.MAIL_SMTP_HOST
      ? smtpTransport({
          host: c.MAIL_SMTP_HOST,
          port: c.MAIL_SMTP_PORT,
          secure: c.MAIL_SMTP_SECURE,
          user: c.MAIL_SMTP_USER,
          password: c.MAIL_SMTP_PASSWORD,
          maxConnections: c.MAIL_SEND_CONCURRENCY,
          ...smtpTimeouts,
        })
      : localOutboxTransport();
    if (!c.MAIL_SMTP_HOST) deps.logger.warn('no MAIL_SMTP_HOST: mail is kept in the local outbox (GET /v1/mail/outbox), not sent');
    const sender = new MailSender({
      ...deps,
      transport,
      from: c.MAIL_FROM,
      instance: deps.instance,
      concurrency: c.MAIL_SEND_CONCURRENCY,
      ...(c.MAIL_SMTP_HOST ? { attemptBoundMs: smtpAttemptBoundMs(smtpTimeouts) } : {}),
      // A send past DATA finishes within the process's stop rather than being sent twice (docs/adr/0035, addendum of 2026-12-05).
      stopBudgetMs: mailStopBudgetMs(c.SHUTDOWN_TIMEOUT_MS),
    });
    const ticketMail = mailTicketHandlers({ timers: deps.timers, messageIdDomain: domainOf(c.MAIL_FROM), ratingWaitMs: c.MAIL_RATING_WAIT_SECONDS * 1_000, siteLinks: siteLinksFrom(c) });
    const blobs = blobStorageFrom(c);
    // Mail from our own address is ours coming back (docs/mail.md): ignored like an auto-reply.
    const ownAddresses = [addressOf(c.MAIL_FROM)];
    // Staff mail naming a ticket is never threaded onto it (docs/mail.md); the staff directory knows the rest.
    const staffAddresses = c.ESCALATION_NOTICE_FALLBACK_EMAIL ? [addressOf(c.ESCALATION_NOTICE_FALLBACK_EMAIL)] : [];
    const newTicketsPerSenderPerHour = c.MAIL_INBOUND_NEW_TICKETS_PER_SENDER_PER_HOUR;
    const trustedAuthservId = c.MAIL_INBOUND_TRUSTED_AUTHSERV_ID;
    const inbound = inboundRoutes({ ...deps, blobs, ownAddresses, staffAddresses, newTicketsPerSenderPerHour, trustedAuthservId, secret: c.MAIL_INBOUND_SECRET, maxMessageBytes: c.MAIL_INBOUND_MAX_BYTES });
    const outbox = mailOutboxRoutes(deps);
    const smtpListener =
      c.INBOUND_SMTP_PORT === undefined
        ? undefined
        : new InboundSmtpListener({
            host: c.INBOUND_SMTP_HOST,
            port: c.INBOUND_SMTP_PORT,
            maxMessageBytes: c.MAIL_INBOUND_MAX_BYTES,
            recipientDomains: inboundRecipientDomains(c.INBOUND_SMTP_DOMAINS, domainOf(c.MAIL_FROM)),
            maxRecipients: c.INBOUND_SMTP_MAX_RECIPIENTS,
            logger: deps.logger,
            receive: (raw) => receiveInboundMail({ ...deps, blobs, ownAddresses, staffAddresses, newTicketsPerSenderPerHour, trustedAuthservId }, raw),
          });
    return {
      routes: async (app) => {
        await app.register(namedPlugin('mailOutboxRoutes', outbox));
        await app.register(namedPlugin('inboundMailRoutes', inbound));
      },
      handlers: [
        ...ticketMail.handlers,
        ...staffDirectoryHandlers(),
        ...escalationNoticeHandlers({
          timers: deps.timers,
          messageIdDomain: domainOf(c.MAIL_FROM),
          publicUrl: c.TSS_PUBLIC_URL,
          logger: deps.logger,
          ...(c.ESCALATION_NOTICE_FALLBACK_EMAIL ? { fallbackEmail: c.ESCALATION_NOTICE_FALLBACK_EMAIL } : {}),
        }),
      ],
      timers: ticketMail.timers,
      // Due mail a fired batch at a time, in one transaction and three statements (issue #15).
      batchTimers: { [MAIL_SEND_TIMER]: sender.batchTimerHandler },
      background: [
        // Started: mail an earlier process left waiting for the server to take our session goes now (a new password).
        { name: 'mail sender', start: () => sender.start(), stop: () => sender.stop() },
        ...(smtpListener ? [{ name: 'inbound SMTP listener', start: () => smtpListener.start(), stop: () => smtpListener.stop() }] : []),
      ],
    };
  },
});

export const messageIdDomainOf = (mailFrom: string): string => domainOf(mailFrom);
