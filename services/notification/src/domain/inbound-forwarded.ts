/**
 * A mail forwarded as a file of an inbound mail (a `message/rfc822` part), as notification read it:
 * its particulars as written, and its text whole (its own forwards unfolded into it). A forward is
 * content: what the requester sends it for (docs/adr/0035, addendum of 2026-12-05, first session).
 */
export interface ForwardedMessage {
  /** From, as "Name <address>" (several comma-separated); absent when the header is. */
  from?: string;
  /** The Date header as written. */
  date?: string;
  subject?: string;
  to?: string;
  text: string;
}

/** The line above a forwarded mail, as Gmail writes it (and `stripQuotedReply` keeps what follows it). */
export const FORWARDED_MESSAGE_LINE = '---------- Forwarded message ----------';

/** A forwarded mail as a block of text: the marker, its From, Date, Subject and To, a blank line, its text. */
export const forwardedBlock = (message: ForwardedMessage): string => {
  const particulars = (
    [
      ['From', message.from],
      ['Date', message.date],
      ['Subject', message.subject],
      ['To', message.to],
    ] as const
  ).flatMap(([name, value]) => (value ? [`${name}: ${value}`] : []));
  return [FORWARDED_MESSAGE_LINE, ...particulars, '', message.text].join('\n').trim();
};

/** `text` followed by each forwarded mail's block, in the order the mail carries them. */
export const withForwarded = (text: string, forwarded: readonly ForwardedMessage[]): string =>
  [text, ...forwarded.map(forwardedBlock)].filter((part) => part !== '').join('\n\n');
