/**
 * The detail of the 422 answered when a staff member named by another (a ticket's assignee) is not
 * one the service knows. ticket-intake learns staff from the gateway's `staff.*` events: one created
 * a moment ago is known within seconds. Staff signed in through the identity provider (single
 * sign-on) are the provider's, not the gateway's: the gateway announces nobody for them, so they are
 * never known, and take tickets themselves, their token proving their role (docs/auth.md).
 */
export const unknownStaffDetail = (staffId: string): string =>
  `No staff member ${staffId} is known. Name an active staff client of the gateway (GET /v1/clients) whose role works tickets. ` +
  `One created a moment ago is known within seconds: retry then. Staff signed in through single sign-on are not announced by the gateway: ` +
  `they take tickets themselves (POST /v1/queue/claim, or assigneeId naming themselves).`;
