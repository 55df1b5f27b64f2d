import { StaffCreatedV1, StaffUpdatedV1, type EventData } from '@tss/contracts';
import { on, type HandlerBinding } from '@tss/messaging';
import { withoutAccessParticulars } from '@tss/service-kit';
import type { EntityManager } from 'typeorm';
import { staffDirectoryStore } from '../store/staff-directory.store';

type StaffData = EventData<typeof StaffCreatedV1>;

const keep = (tx: EntityManager, data: StaffData) =>
  staffDirectoryStore.upsert(tx, {
    staffId: data.staffId,
    email: data.email ?? null,
    // P9: a gateway older than the fifth session of 2026-12-05 announced names as written (docs/adr/0026).
    displayName: data.displayName === undefined ? null : withoutAccessParticulars(data.displayName),
    roles: data.roles,
    ...(data.language ? { language: data.language } : {}),
    active: data.active,
    changedAt: new Date(data.changedAt),
  });

/** DESIGN "Who owns what": staff belong to the gateway; notification keeps whom to mail escalation notices (P7), and in which language. */
export const staffDirectoryHandlers = (): HandlerBinding[] => [
  on(StaffCreatedV1, async (event, { tx }) => keep(tx, event.data)),
  on(StaffUpdatedV1, async (event, { tx }) => keep(tx, event.data)),
];
