import { StaffCreatedV1, StaffUpdatedV1, type EventData } from '@tss/contracts';
import { on, type HandlerBinding, type HandlerContext } from '@tss/messaging';
import { staffProjection } from '../store/projection.store';

const project = async (staff: EventData<typeof StaffCreatedV1>, ctx: HandlerContext) =>
  staffProjection.upsert(ctx.tx, { staffId: staff.staffId, roles: staff.roles, displayName: staff.displayName ?? null, email: staff.email ?? null, active: staff.active }, new Date(staff.changedAt));

/** The staff the roster may name (from the gateway's `staff.*`). */
export const staffEventHandlers = (): HandlerBinding[] => [on(StaffCreatedV1, (event, ctx) => project(event.data, ctx)), on(StaffUpdatedV1, (event, ctx) => project(event.data, ctx))];
