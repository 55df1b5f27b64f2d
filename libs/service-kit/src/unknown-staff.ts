/**
 * The detail of the 422 answered when a staff member named by another (a ticket's assignee) is not
 * one the service knows. ticket-intake learns staff from the gateway's `staff.*` events: a staff
 * client created a moment ago is known within seconds. Staff signed in through the identity provider
 * (single sign-on) are recorded and announced by the gateway at their first request (docs/auth.md,
 * docs/adr/0012 addendum of 2026-12-04, fifth session); GET /v1/staff lists both kinds.
 */
export const unknownStaffDetail = (staffId: string): string =>
  `No staff member ${staffId} is known. Name an active staff member whose role works tickets (GET /v1/staff lists them). ` +
  `One created a moment ago is known within seconds: retry then. Staff signed in through single sign-on are known after their first request to TSS; ` +
  `until then they take tickets themselves (POST /v1/queue/claim, or assigneeId naming themselves).`;
