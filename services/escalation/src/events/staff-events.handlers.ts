import { StaffCreatedV1, StaffUpdatedV1, type EventData } from '@tss/contracts';
import { on, type HandlerBinding, type HandlerContext } from '@tss/messaging';
import { withoutAccessParticulars } from '@tss/service-kit';
import { staffProjection } from '../store/projection.store';

/** P9: a gateway older than the fifth session of 2026-12-05 announced display names as written (docs/adr/0026). */
const keptName = (displayName: string | undefined): string | null => (displayName === undefined ? null : withoutAccessParticulars(displayName));

const project = async (staff: EventData<typeof StaffCreatedV1>, ctx: HandlerContext) =>
  staffProjection.upsert(ctx.tx, { staffId: staff.staffId, roles: staff.roles, displayName: keptName(staff.displayName), email: staff.email ?? null, active: staff.active }, new Date(staff.changedAt));

/** The staff the roster may name (from the gateway's `staff.*`). */
export const staffEventHandlers = (): HandlerBinding[] => [on(StaffCreatedV1, (event, ctx) => project(event.data, ctx)), on(StaffUpdatedV1, (event, ctx) => project(event.data, ctx))];
