import { SiteLinkKeys, siteLinkUrl, type SiteLinkSettings } from '@tss/service-kit';

/** Whom a support-site link opens a ticket to: its requester id, or `mail:<address>` for one known only by mail. */
export const siteRequesterOf = (requester: { id?: string; email?: string }): string | undefined =>
  requester.id ?? (requester.email ? `mail:${requester.email.toLowerCase()}` : undefined);

export interface SiteLinkRequest {
  ticketId: string;
  partnerId: string;
  /** As `siteRequesterOf` gives it. */
  requester: string;
  language: string;
}

/** Mints the support-site link a requester's mail carries (P12, docs/adr/0037). */
export interface SiteLinks {
  urlFor(request: SiteLinkRequest, now: Date): string;
}

/** Links signed with the keys the gateway verifies (TSS_SITE_LINK_KEYS), lasting TSS_SITE_LINK_TTL_MS from the mail. */
export const siteLinksFrom = (settings: SiteLinkSettings): SiteLinks => {
  const keys = SiteLinkKeys.fromSettings(settings);
  return {
    urlFor: (request, now) =>
      siteLinkUrl(
        settings,
        keys.mint({
          ticketId: request.ticketId,
          partnerId: request.partnerId,
          requester: request.requester,
          language: request.language,
          expiresAt: new Date(now.getTime() + settings.TSS_SITE_LINK_TTL_MS),
        }).token,
      ),
  };
};
