import { TicketIdOrReference, TicketParams } from './ticket.schemas';
import { Type, type Static } from '@sinclair/typebox';
import { StringEnum, VisibleText } from '@tss/contracts';

export const StoreCredentialBody = Type.Object(
  {
    label: VisibleText({ maxLength: 200, description: 'What the particulars open, shown in lists and the history (e.g. "Admin panel, temporary account"); a label holding access particulars (`password: …`) is refused with 422: put secrets in `secret`' }),
    login: Type.Optional(VisibleText({ maxLength: 500, description: 'User name or e-mail, stored encrypted' })),
    secret: VisibleText({ maxLength: 4_000, description: 'Password, token or key; stored encrypted, shown only to staff, destroyed after resolution (P9)' }),
    note: Type.Optional(VisibleText({ maxLength: 2_000, description: 'Where or how to use them; stored encrypted with the secret' })),
  },
  {
    $id: 'StoreCredentialRequest',
    additionalProperties: false,
    examples: [{ label: 'Admin panel, temporary support account', login: 'support-tmp', secret: 'Tmp-7f3Kq9!x', note: 'https://admin.example.com, valid until Friday' }],
  },
);
export type StoreCredentialBody = Static<typeof StoreCredentialBody>;

/** A stored credential as the POST answers it: never the secret. */
export const StoredCredential = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    label: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
    destroyAfter: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'Handed over on a resolved ticket: when they are destroyed, with the resolution\'s (P9: at most 2 days after it; at once if that is past). The requester is told to change them.',
      }),
    ),
  },
  { $id: 'StoredCredential' },
);

/** A credential in a list: metadata only (P9: never shown in lists). */
export const CredentialSummary = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    label: Type.String(),
    kind: StringEnum(['submitted', 'detected'] as const, { description: '`submitted` through this API, `detected` in a message and moved to the vault' }),
    status: StringEnum(['stored', 'destroyed'] as const),
    createdBy: StringEnum(['partner', 'requester', 'staff', 'service', 'system', 'email_sender'] as const, { description: 'Who handed them over' }),
    visibility: StringEnum(['public', 'internal'] as const, {
      description: "`internal`: from an agent's internal note, listed to staff only (P9); every other credential is `public`, the only kind partners and requesters see",
    }),
    createdAt: Type.String({ format: 'date-time' }),
    destroyAfter: Type.Optional(Type.String({ format: 'date-time', description: 'When they are destroyed (P9: at most 2 days after resolution)' })),
    destroyedAt: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { $id: 'CredentialSummary' },
);
export type CredentialSummary = Static<typeof CredentialSummary>;

export const CredentialList = Type.Object({ items: Type.Array(Type.Ref('CredentialSummary')) });

/** A revealed credential: staff only, each reveal audited, never cached. */
export const RevealedCredentialView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    label: Type.String(),
    login: Type.Optional(Type.String()),
    secret: Type.String(),
    note: Type.Optional(Type.String()),
    createdAt: Type.String({ format: 'date-time' }),
    destroyAfter: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { $id: 'RevealedCredential' },
);
export type RevealedCredentialView = Static<typeof RevealedCredentialView>;

export const CredentialTicketParams = TicketParams;
export const CredentialParams = Type.Object({ id: TicketIdOrReference, cid: Type.String({ format: 'uuid' }) });
