import { randomUUID } from 'node:crypto';
import type { Product, ServiceLevel, TicketStatus } from '@tss/contracts';

type Query = (sql: string, params?: unknown[]) => Promise<unknown[]>;

export interface TicketRowSeed {
  partnerId: string;
  receivedAt: Date;
  level?: ServiceLevel;
  status?: TicketStatus;
  /** `null`: the request names none (a mail or a call), listed in `missing_details`. */
  product?: Product | null;
  productVersion?: string | null;
  channel?: 'api' | 'email' | 'phone' | 'site';
  /** What the row lists as missing (P2); none unless given. */
  missingDetails?: string[];
  subject?: string;
  description?: string;
  stepsToReproduce?: string;
  browser?: string;
  requesterId?: string | null;
  category?: string | null;
  assigneeId?: string | null;
  responseOwed?: boolean;
  responseDueAt?: Date | null;
  language?: 'en' | 'ru';
}

/**
 * A ticket row as intake stores it, written with one INSERT: the queue and the list read rows
 * whatever wrote them, and these tests need tickets at chosen times, levels and states without
 * driving the status machine to each.
 */
export const insertTicketRow = async (query: Query, seed: TicketRowSeed): Promise<string> => {
  const id = randomUUID();
  const request = {
    ...(seed.product === null ? {} : { product: seed.product ?? 'reader' }),
    ...(seed.productVersion === null ? {} : { productVersion: seed.productVersion ?? '4.2.1' }),
    ...(seed.subject !== undefined ? { subject: seed.subject } : {}),
    description: seed.description ?? 'Something does not work.',
    ...(seed.stepsToReproduce !== undefined ? { stepsToReproduce: seed.stepsToReproduce } : {}),
    ...(seed.browser !== undefined ? { browser: seed.browser } : {}),
    ...(seed.requesterId ? { requester: { id: seed.requesterId } } : {}),
  };
  await query(
    `INSERT INTO ticket_intake.tickets (id, partner_id, reference, channel, status, level, request, requester_id, received_at, updated_at,
       category, assignee_id, response_owed, response_due_at, language, sequence, missing_details)
     VALUES ($1, $2, $3, $14, $4, $5, $6, $7, $8, $8, $9, $10, $11, $12, $13, 2, $15)`,
    [
      id,
      seed.partnerId,
      `TSS-${id.slice(0, 5).toUpperCase()}-${id.slice(24, 29).toUpperCase()}`,
      seed.status ?? 'open',
      seed.level ?? 'standard',
      JSON.stringify(request),
      seed.requesterId ?? null,
      seed.receivedAt,
      seed.category ?? null,
      seed.assigneeId ?? null,
      seed.responseOwed ?? true,
      seed.responseDueAt ?? null,
      seed.language ?? 'en',
      seed.channel ?? 'api',
      seed.missingDetails ?? [],
    ],
  );
  return id;
};

/** A message on a ticket's thread, as the thread stores it. */
export const insertMessageRow = async (
  query: Query,
  seed: { ticketId: string; partnerId: string; body: string; visibility: 'public' | 'internal'; createdAt: Date; authorKind?: 'requester' | 'agent' },
): Promise<string> => {
  const id = randomUUID();
  await query(
    `INSERT INTO ticket_intake.messages (id, ticket_id, partner_id, author_kind, author_id, visibility, channel, body, created_at)
     VALUES ($1, $2, $3, $4, 'someone', $5, 'api', $6, $7)`,
    [id, seed.ticketId, seed.partnerId, seed.authorKind ?? (seed.visibility === 'public' ? 'requester' : 'agent'), seed.visibility, seed.body, seed.createdAt],
  );
  return id;
};
