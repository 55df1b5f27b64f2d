import { Type } from '@sinclair/typebox';
import { defineEvent } from '../event-contract';
import { Instant, StaffRole, Uuid } from '../domain-values';

const PartnerData = Type.Object({ partnerId: Uuid, name: Type.String(), active: Type.Boolean(), changedAt: Instant });
const StaffData = Type.Object({
  staffId: Type.String(),
  roles: Type.Array(StaffRole),
  displayName: Type.Optional(Type.String()),
  email: Type.Optional(Type.String()),
  active: Type.Boolean(),
  changedAt: Instant,
});

export const PartnerCreatedV1 = defineEvent('partner.created', 1, 'gateway', PartnerData, 'A partner was registered.');
export const PartnerUpdatedV1 = defineEvent('partner.updated', 1, 'gateway', PartnerData, 'A partner changed.');
export const StaffCreatedV1 = defineEvent('staff.created', 1, 'gateway', StaffData, 'A staff member was registered.');
export const StaffUpdatedV1 = defineEvent('staff.updated', 1, 'gateway', StaffData, 'A staff member changed.');
