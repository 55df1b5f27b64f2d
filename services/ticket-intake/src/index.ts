import { composeService } from '@tss/runtime';
import { attachmentsPart } from './parts/attachments.part';
import { credentialsPart } from './parts/credentials.part';
import type { IntakeHooks, IntakePart } from './parts/intake-part';
import { queuePart } from './parts/queue.part';
import { searchPart } from './parts/search.part';
import { ticketsPart } from './parts/tickets.part';
import { SHARED_SCHEMAS } from './http/ticket.schemas';
import { INTAKE_SCHEMA } from './store/ticket.store';

export { AttachmentSizeEnv } from './parts/attachments.part';

/** ticket-intake: owns tickets, messages, reference numbers; the only producer of `ticket.*`. Each feature is a part (parts/). */
export const ticketIntakeService = composeService<IntakeHooks>({
  name: 'ticket-intake',
  description: 'Tickets: filing with a reference number, the status machine, history, messages, attachments, credentials and the queue.',
  schema: INTAKE_SCHEMA,
  parts: [ticketsPart, searchPart, attachmentsPart, credentialsPart, queuePart] as readonly IntakePart[],
  extraDeps: () => ({ lifecycleHooks: [], messageHooks: [], filingHooks: [], messageUploads: [] }),
  idempotency: true,
  sharedSchemas: SHARED_SCHEMAS,
});
