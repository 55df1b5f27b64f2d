import type { Logger } from 'pino';
import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { Failure, Result } from '@tss/service-kit';
import { isOurRecipient } from '../domain/inbound-recipients';
import type { InboundReceipt } from '../use-cases/inbound-receive';

export interface InboundSmtpOptions {
  host: string;
  port: number;
  /** Announced as SIZE (RFC 1870) and enforced: a larger message is refused with 552. */
  maxMessageBytes: number;
  /** The domains whose recipients it takes (INBOUND_SMTP_DOMAINS, by default MAIL_FROM's); any other is refused with 550 5.1.1. */
  recipientDomains: readonly string[];
  /** Recipients taken in one transaction; the next are answered 452 4.5.3 (RFC 5321 §4.5.3.1.10). */
  maxRecipients: number;
  logger: Logger;
  /** The same pipeline as POST /v1/inbound/email. */
  receive(raw: Buffer): Promise<Result<InboundReceipt, Failure>>;
}

/** The 250 text: what became of the mail. A reply to a closed ticket is not threaded onto it: its follow-up takes it (P11). */
const answerText = (receipt: InboundReceipt): string => {
  const what = receipt.outcome === 'follow_up' ? `follow-up of closed ticket ${receipt.followUpOf ?? ''}` : receipt.outcome;
  return `Received: ${what}${receipt.duplicate ? ' (duplicate)' : ''} ${receipt.inboundId}`;
};

const smtpError = (code: number, message: string): Error => Object.assign(new Error(message), { responseCode: code });

/**
 * Issue #11: the optional SMTP listener of services mode (INBOUND_SMTP_PORT). It takes mail from the
 * MX or relay in front of it and hands each message to the inbound pipeline: 250 once recorded
 * (threaded, new ticket, quarantined or ignored), 554 for a message that is not a mail, 552 when too
 * large, 451 when the pipeline failed (database down…), so the sending server keeps it and retries.
 * It is no relay: a recipient outside `recipientDomains` is refused at RCPT (550 5.1.1), and at most
 * `maxRecipients` are taken per transaction (452 4.5.3, smtp-server's `maxRecipients`). Replies carry
 * RFC 3463 enhanced status codes (advertised as ENHANCEDSTATUSCODES, RFC 2034).
 * No AUTH and no STARTTLS: it listens on 127.0.0.1 (or a private network) behind that server.
 */
export class InboundSmtpListener {
  private readonly server: SMTPServer;
  private listening?: Promise<void>;

  constructor(private readonly options: InboundSmtpOptions) {
    this.server = new SMTPServer({
      name: 'tss-inbound',
      banner: 'TSS inbound mail',
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      size: options.maxMessageBytes,
      maxRecipients: options.maxRecipients,
      hideENHANCEDSTATUSCODES: false,
      logger: false,
      onRcptTo: (address, _session, callback) => this.onRcptTo(address, callback),
      onData: (stream, session, callback) => this.onData(stream, session, callback),
    });
    this.server.on('error', (error) => options.logger.warn({ err: error }, 'inbound SMTP listener error'));
  }

  start(): void {
    this.listening ??= new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.server.server.once('error', onError);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.server.off('error', onError);
        this.options.logger.info({ host: this.options.host, port: this.options.port }, 'inbound SMTP listener ready');
        resolve();
      });
    });
    this.listening.catch((error: unknown) => this.options.logger.error({ err: error, port: this.options.port }, 'inbound SMTP listener could not listen; mail is still taken at POST /v1/inbound/email'));
  }

  async stop(): Promise<void> {
    if (!this.listening) return;
    const started = await this.listening.then(
      () => true,
      () => false,
    );
    if (started) await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onRcptTo(address: SMTPServerAddress, callback: (error?: Error | null) => void): void {
    // 550 carries 5.1.1 ("bad destination mailbox address", RFC 3463).
    if (!isOurRecipient(address.address, this.options.recipientDomains)) callback(smtpError(550, `No mailbox here for ${address.address}; this server takes mail for ${this.options.recipientDomains.join(', ')} only`));
    else callback();
  }

  private onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (error?: Error | null, message?: string) => void): void {
    const chunks: Buffer[] = [];
    let bytes = 0;
    stream.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= this.options.maxMessageBytes) chunks.push(chunk); // past the limit: drained, not kept
    });
    stream.on('error', (error: Error) => callback(smtpError(451, `Reading the message failed: ${error.message}`)));
    stream.on('end', () => {
      if (stream.sizeExceeded || bytes > this.options.maxMessageBytes) {
        callback(smtpError(552, `Message exceeds the ${this.options.maxMessageBytes} bytes this server takes`));
        return;
      }
      this.options.receive(Buffer.concat(chunks)).then(
        (received) => {
          // 554 (5.6.0, a media error): the message, not the mailbox, is what is wrong.
          if (!received.ok) callback(smtpError(554, received.error.detail ?? 'Not a mail'));
          else callback(null, answerText(received.value));
        },
        (error: unknown) => {
          this.options.logger.warn({ err: error, session: session.id }, 'inbound SMTP message not recorded; the sender will retry');
          callback(smtpError(451, 'Temporary failure; try again later'));
        },
      );
    });
  }
}
