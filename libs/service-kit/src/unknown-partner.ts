/**
 * The detail of the 422 answered when a partner named by staff (a filing, a webhook feed or mail
 * domain, an SLA agreement) is not one the service knows as active. ticket-intake, notification
 * and sla-timer learn partners from the gateway's `partner.*` events: one registered a moment ago
 * is known within seconds, but one whose event the service never handled stays unknown for good,
 * as after a rollback, when the older release consumed `partner.created` without handling it and
 * the newer one is not offered it again (docs/operations.md, "Upgrade and rollback"). An admin's
 * `PATCH /v1/partners/{id}` with the partner's current name announces it again (`partner.updated`).
 */
export const unknownPartnerDetail = (partnerId: string): string =>
  `No active partner ${partnerId} is known. Name a registered partner. One registered a moment ago is known within seconds; ` +
  `a registered partner that stays unknown (its announcement was missed, as by an older release after a rollback) is announced again ` +
  `by an admin's PATCH /v1/partners/${partnerId} with its current name, then retry.`;

/**
 * The detail of the same 422 for a partner the service knows, but as deactivated (the gateway's
 * `partner.updated` with `active: false`): announcing its name again would not help; reactivating does.
 */
export const inactivePartnerDetail = (partnerId: string): string =>
  `Partner ${partnerId} is deactivated; an admin can reactivate it with PATCH /v1/partners/${partnerId} {"active":true}.`;

/**
 * Why a partner named by staff is refused, from the service's directory (`activeOf`: true, false
 * for deactivated, undefined when no event named it); undefined when it is active.
 */
export const partnerRefusalDetail = (partnerId: string, active: boolean | undefined): string | undefined => {
  if (active === true) return undefined;
  return active === false ? inactivePartnerDetail(partnerId) : unknownPartnerDetail(partnerId);
};
