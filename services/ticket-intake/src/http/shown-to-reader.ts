import { withoutLinkSecretsIn, type RequestScope } from '@tss/service-kit';

/**
 * A view of a ticket's texts as its reader may see them. Requesters paste their rating and
 * support-site links into what they write (the request, messages, a reopen reason): those links'
 * tokens are the requester's bearer credentials, and staff must not rate their own work, so staff
 * read them withheld (`[withheld]`), as the mail outbox and admins' webhooks show them. The partner
 * and the requester, who own the links, read the text as written (docs/adr/0040, addendum of
 * 2026-12-04, fifth session).
 */
export const shownTo = <T>(scope: Pick<RequestScope, 'kind'>, view: T): T => (scope.kind === 'staff' ? withoutLinkSecretsIn(view) : view);
