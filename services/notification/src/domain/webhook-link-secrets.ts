import { withoutLinkSecrets, withoutLinkSecretsIn } from '@tss/service-kit';
import type { WebhookEndpoint } from './webhook-endpoint';

/** What decides whether an endpoint may be handed the requester's link credentials. */
export type LinkReceiver = Pick<WebhookEndpoint, 'ownerKind' | 'partnerId'>;

const partnerOf = (event: unknown): unknown => {
  if (typeof event !== 'object' || event === null) return undefined;
  const data = (event as Record<string, unknown>).data;
  return typeof data === 'object' && data !== null ? (data as Record<string, unknown>).partnerId : undefined;
};

/**
 * The body an endpoint is sent (and signed over). The rating link and the support-site link are the
 * requester's bearer credentials (docs/adr/0040, addenda of 2026-12-04, fifth session): only the
 * ticket's partner's own endpoint gets them, since its platform shows them to the requester. An
 * endpoint an admin subscribed (an internal system, for every partner or one) is read by the staff
 * the quality report measures: it gets them withheld as the mail outbox shows them, `[withheld]`.
 * Withheld value by value in the parsed event, so the JSON stays valid whatever a string holds.
 */
export const webhookBodyFor = (endpoint: LinkReceiver, body: string): string => {
  if (withoutLinkSecrets(body) === body) return body; // no credential anywhere: sent byte for byte
  let event: unknown;
  try {
    event = JSON.parse(body);
  } catch {
    // Not JSON (we write every body as JSON): withheld in the text, as the outbox would show it.
    return withoutLinkSecrets(body);
  }
  if (endpoint.ownerKind === 'partner' && endpoint.partnerId !== null && endpoint.partnerId === partnerOf(event)) return body;
  return JSON.stringify(withoutLinkSecretsIn(event));
};
