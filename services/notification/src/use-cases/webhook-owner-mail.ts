import type { EntityManager } from 'typeorm';
import type { Language } from '@tss/contracts';
import { endpointDisabledMail } from '../domain/webhook-disabled-mail';
import type { WebhookEndpoint } from '../domain/webhook-endpoint';
import { staffDirectoryStore } from '../store/staff-directory.store';
import { queueMail, type QueueMailDeps } from './mail-queue';

export interface OwnerMailDeps extends QueueMailDeps {
  /** TSS_PUBLIC_URL: the API address the mail tells the owner to call. */
  publicUrl: string;
}

/** Whom to tell, in which language. */
export interface EndpointOwner {
  address: string;
  language: Language;
}

/**
 * Whom to tell: the endpoint's contact address, else the staff member who created it (partners
 * have no address on record). A staff member reads it in their language, the contact address too
 * when it is a staff member's; any other address, English.
 */
export const endpointOwner = async (tx: EntityManager, endpoint: WebhookEndpoint): Promise<EndpointOwner | undefined> => {
  if (endpoint.contactEmail) return { address: endpoint.contactEmail, language: (await staffDirectoryStore.languageOfAddress(tx, endpoint.contactEmail)) ?? 'en' };
  if (!endpoint.createdBy.startsWith('staff:')) return undefined;
  const [staff] = await staffDirectoryStore.find(tx, [endpoint.createdBy.slice('staff:'.length)]);
  return staff?.active && staff.email ? { address: staff.email, language: staff.language } : undefined;
};

/** Queues the disabled endpoint's mail in the transaction that disabled it; undefined when there is nobody to tell. */
export const queueEndpointDisabledMail = async (
  tx: EntityManager,
  deps: OwnerMailDeps,
  endpoint: WebhookEndpoint,
  notice: { failingSince: Date; reason: string; disabledAt: Date },
): Promise<string | undefined> => {
  const owner = await endpointOwner(tx, endpoint);
  if (!owner) return undefined;
  const { address, language } = owner;
  const rendered = endpointDisabledMail({ endpointId: endpoint.id, url: endpoint.url, description: endpoint.description, publicUrl: deps.publicUrl, ...notice }, language);
  await queueMail(tx, deps, { ticketId: null, partnerId: endpoint.partnerId, kind: 'webhook_endpoint_disabled', recipient: address, language, rendered }, notice.disabledAt);
  return address;
};
