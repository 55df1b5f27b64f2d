import { Type } from '@sinclair/typebox';
import { Languages, StaffRole, StringEnum } from '@tss/contracts';
import type { ApiClientRow } from '../store/gateway.entities';

/** An API client as listed: never its secret or hash (response schemas drop anything else). */
export const ClientView = Type.Object(
  {
    clientId: Type.String(),
    kind: Type.Union([Type.Literal('partner'), Type.Literal('staff')]),
    partnerId: Type.Optional(Type.String({ format: 'uuid' })),
    roles: Type.Array(StaffRole),
    displayName: Type.Optional(Type.String()),
    email: Type.Optional(Type.String()),
    language: Type.Optional(StringEnum(Languages, { description: "A staff client's mail language: `en` (the default) or `ru`; partner clients have none" })),
    active: Type.Boolean(),
    createdAt: Type.String({ format: 'date-time' }),
    disabledAt: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { $id: 'ApiClient' },
);

export const NewClientView = Type.Object(
  {
    clientId: Type.String(),
    clientSecret: Type.String({ description: 'Shown once; store it now' }),
    kind: Type.Union([Type.Literal('partner'), Type.Literal('staff')]),
    partnerId: Type.Optional(Type.String({ format: 'uuid' })),
    roles: Type.Array(StaffRole),
    language: Type.Optional(StringEnum(Languages, { description: "A staff client's mail language" })),
  },
  { $id: 'NewApiClient' },
);

export const toClientView = (c: ApiClientRow) => ({
  clientId: c.clientId,
  kind: c.kind,
  ...(c.partnerId ? { partnerId: c.partnerId } : {}),
  roles: c.roles,
  ...(c.displayName ? { displayName: c.displayName } : {}),
  ...(c.email ? { email: c.email } : {}),
  ...(c.kind === 'staff' ? { language: c.language } : {}),
  active: c.active,
  createdAt: c.createdAt.toISOString(),
  ...(c.disabledAt ? { disabledAt: c.disabledAt.toISOString() } : {}),
});

export const toNewClientView = (c: ApiClientRow, clientSecret: string) => ({
  clientId: c.clientId,
  clientSecret,
  kind: c.kind,
  ...(c.partnerId ? { partnerId: c.partnerId } : {}),
  roles: c.roles,
  ...(c.kind === 'staff' ? { language: c.language } : {}),
});
