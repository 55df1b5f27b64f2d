import { senderDomain } from './inbound-mail';

/**
 * The domains the inbound SMTP listener takes mail for: INBOUND_SMTP_DOMAINS (comma-separated), else
 * the domain of our own address (MAIL_FROM's), where requesters' replies go. Lower-cased, no blanks.
 */
export const inboundRecipientDomains = (setting: string | undefined, mailFromDomain: string): string[] => {
  const listed = (setting ?? '')
    .split(',')
    .map((d) => d.trim().toLowerCase())
    .filter((d) => d.length > 0);
  return listed.length > 0 ? [...new Set(listed)] : [mailFromDomain.toLowerCase()];
};

/**
 * Whether an envelope recipient is ours (RFC 5321 §3.6: a server that is not a relay refuses mail for
 * other domains). Taking `victim@gmail.com` filed a stranger's mail as a ticket and made the listener
 * look like an open relay to whoever scanned it.
 */
export const isOurRecipient = (address: string, domains: readonly string[]): boolean => address.includes('@') && domains.includes(senderDomain(address));
