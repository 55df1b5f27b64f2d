import { StaffCreatedV1, StaffUpdatedV1, type EventData } from '@tss/contracts';
import { on, type HandlerBinding, type HandlerContext } from '@tss/messaging';
import { staffStore } from '../store/staff.store';

const keep = (staff: EventData<typeof StaffCreatedV1>, ctx: HandlerContext) =>
  staffStore.keep(ctx.tx, { staffId: staff.staffId, roles: staff.roles, active: staff.active, changedAt: new Date(staff.changedAt) });

/** The staff tickets may be assigned to (P4), from the gateway's `staff.*`. */
export const staffDirectoryHandlers = (): HandlerBinding[] => [on(StaffCreatedV1, async (event, ctx) => void (await keep(event.data, ctx))), on(StaffUpdatedV1, async (event, ctx) => void (await keep(event.data, ctx)))];
