import { Type } from '@sinclair/typebox';
import { StaffLanguage, StaffRole } from '@tss/contracts';
import type { SsoStaffMember } from '../domain/sso-staff';
import type { ApiClientRow } from '../store/gateway.entities';

/** A staff member as the services know them (`staff.*`): a staff API client, or one signed in through single sign-on. */
export const StaffMemberView = Type.Object(
  {
    staffId: Type.String({ description: 'What tickets, the roster and escalations name them by: the client id, or `<issuer>|<sub>` for single sign-on' }),
    signIn: Type.Union([Type.Literal('client'), Type.Literal('single_sign_on')], {
      description: '`client`: an API client (manage it under /v1/clients); `single_sign_on`: recorded from their tokens of the identity provider',
    }),
    roles: Type.Array(StaffRole),
    displayName: Type.Optional(Type.String()),
    email: Type.Optional(Type.String()),
    language: StaffLanguage,
    active: Type.Boolean(),
    since: Type.String({ format: 'date-time', description: 'Created, or first seen' }),
    changedAt: Type.Optional(Type.String({ format: 'date-time', description: 'Single sign-on: when roles, name, e-mail, language or standing last changed' })),
  },
  { $id: 'StaffMember' },
);

export const clientAsStaffMember = (c: ApiClientRow) => ({
  staffId: c.clientId,
  signIn: 'client' as const,
  roles: c.roles,
  ...(c.displayName ? { displayName: c.displayName } : {}),
  ...(c.email ? { email: c.email } : {}),
  language: c.language,
  active: c.active,
  since: c.createdAt.toISOString(),
});

export const ssoStaffAsStaffMember = (m: SsoStaffMember) => ({
  staffId: m.staffId,
  signIn: 'single_sign_on' as const,
  roles: m.roles,
  ...(m.displayName ? { displayName: m.displayName } : {}),
  ...(m.email ? { email: m.email } : {}),
  language: m.language,
  active: m.active,
  since: m.firstSeenAt.toISOString(),
  changedAt: m.changedAt.toISOString(),
});
