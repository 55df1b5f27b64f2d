import type { EntityManager } from 'typeorm';
import { endpointDisabledMail } from '../domain/webhook-disabled-mail';
import type { WebhookEndpoint } from '../domain/webhook-endpoint';
import { staffDirectoryStore } from '../store/staff-directory.store';
import { queueMail, type QueueMailDeps } from './mail-queue';

export interface OwnerMailDeps extends QueueMailDeps {
  /** TSS_PUBLIC_URL: the API address the mail tells the owner to call. */
  publicUrl: string;
}

/** Whom to tell: the endpoint's contact address, else the staff member who created it (partners have no address on record). */
export const ownerAddress = async (tx: EntityManager, endpoint: WebhookEndpoint): Promise<string | undefined> => {
  if (endpoint.contactEmail) return endpoint.contactEmail;
  if (!endpoint.createdBy.startsWith('staff:')) return undefined;
  const [staff] = await staffDirectoryStore.find(tx, [endpoint.createdBy.slice('staff:'.length)]);
  return staff?.active && staff.email ? staff.email : undefined;
};

/** Queues the disabled endpoint's mail in the transaction that disabled it; undefined when there is nobody to tell. */
export const queueEndpointDisabledMail = async (
  tx: EntityManager,
  deps: OwnerMailDeps,
  endpoint: WebhookEndpoint,
  notice: { failingSince: Date; reason: string; disabledAt: Date },
): Promise<string | undefined> => {
  const address = await ownerAddress(tx, endpoint);
  if (!address) return undefined;
  const rendered = endpointDisabledMail({ endpointId: endpoint.id, url: endpoint.url, description: endpoint.description, publicUrl: deps.publicUrl, ...notice });
  await queueMail(tx, deps, { ticketId: null, partnerId: endpoint.partnerId, kind: 'webhook_endpoint_disabled', recipient: address, language: 'en', rendered }, notice.disabledAt);
  return address;
};
