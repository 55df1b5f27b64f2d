import { messagingMigrations } from '@tss/messaging';
import { defineService } from '@tss/runtime';
import { attachmentSizeLimitsOf, ConfigError, JWKS_CACHE_MAX_AGE_MS, SiteLinkKeys, namedPlugin } from '@tss/service-kit';
import { webhookDeliveredContracts } from '@tss/contracts';
import { webhookDocs } from './domain/webhook-docs';
import { authRoutes, JWKS_HTTP_MAX_AGE_SECONDS } from './http/auth.routes';
import { partnerRoutes } from './http/partner.routes';
import { ApiClientEntity, GATEWAY_SCHEMA, GeneratedMasterKeyEntity, PartnerEntity, SigningKeyEntity, SsoStaffEntity } from './store/gateway.entities';
import { CreateGatewayTables1764115600000 } from './store/migrations/1764115600000-create-gateway-tables';
import { ClientRevocation1764201600000 } from './store/migrations/1764201600000-client-revocation';
import { KeyPublicationAndWrapping1764806400000 } from './store/migrations/1764806400000-key-publication-and-wrapping';
import { SupportSite1765300300000 } from './store/migrations/1765300300000-support-site';
import { SiteLinkRevocationPerTicket1765400000000 } from './store/migrations/1765400000000-site-link-revocation-per-ticket';
import { SiteFormAddresses1765500610000 } from './store/migrations/1765500610000-site-form-addresses';
import { IdempotencyKeys1765500700000 } from './store/migrations/1765500700000-idempotency-keys';
import { KeyWrappingFloor1765501401000 } from './store/migrations/1765501401000-key-wrapping-floor';
import { SsoStaff1765600650000 } from './store/migrations/1765600650000-sso-staff';
import { AnnounceDirectory1765600999000 } from './store/migrations/1765600999000-announce-directory';
import { MintedSiteLinks1765601100000 } from './store/migrations/1765601100000-minted-site-links';
import { BackfillMintedSiteLinks1765602020000 } from './store/migrations/1765602020000-backfill-minted-site-links';
import { StaffLanguage1765604600000 } from './store/migrations/1765604600000-staff-language';
import { IdempotencyFingerprintsCleared1765605800000 } from './store/migrations/1765605800000-idempotency-fingerprints-cleared';
import { MaskKeptNames1765606400000 } from './store/migrations/1765606400000-mask-kept-names';
import { MasterKeyChecks1765606830000 } from './store/migrations/1765606830000-master-key-checks';
import { GatewayEnv, upstreamUrlSetting } from './gateway.config';
import { onTicketCreated } from './events/on-ticket-created.handler';
import { siteLinkRoutes } from './http/site-link.routes';
import { supportSiteRoutes } from './http/support-site/support-site.routes';
import { httpIntake, sameAppIntake } from './upstream/intake-api';
export { BootstrapAdminEnv, GatewayEnv, ROUTED_SERVICES, UpstreamUrlsEnv, upstreamUrls, upstreamUrlSetting, type RoutedService } from './gateway.config';
export { GatewayProcessEnv, gatewayProcessChecks, gatewayProcessProblems } from './gateway-process.config';
import { clientRoutes } from './http/client.routes';
import { staffRoutes } from './http/staff.routes';
import { ClientView } from './http/client.views';
import { configuredMasterKeys, openKeyRing } from './store/open-key-ring';
import { gatewayMasterKeys } from './store/gateway-key-wrapper';

export { KeyRing, type KeyRingOptions, type SigningKey } from './store/key-ring';
export { SigningKeyStore } from './store/signing-key.store';
export { openGatewayKeyWrapper } from './store/gateway-key-wrapper';
export { openKeyRing } from './store/open-key-ring';
export { gatewayTokenAuthority } from './store/token-authority';
export { bootstrapAdmin, createClient, createPartner } from './use-cases/manage-clients';
export { signAccessToken, ACCESS_TOKEN_TTL_SECONDS, type TokenSettings } from './use-cases/issue-token';
export { forwardToServices, type ForwardingOptions, type ServiceUrls, type UploadForwarding } from './http/forwarding';
export { UPLOAD_ROUTES, SITE_UPLOAD_ROUTES } from './http/upload-routes';
export { SITE_FORM_COOKIE } from './http/support-site/new-request.routes';
export { serveMergedApiDocs, type MergedApiDocsOptions } from './http/merged-api-docs';
export { EdgeConfigSchema, EdgeEnv, defaultEdgeConfig, installEdgeProtection, type EdgeConfig } from './http/edge-protection';
export { parseTrustProxy } from './http/client-address';
export { installTicketVisibility } from './http/ticket-visibility';
export { sameAppIntake } from './upstream/intake-api';
export { gateSsoStaff, SsoStaffGate, SSO_STAFF_RECHECK_MS } from './use-cases/sso-staff-gate';

/** How long the support site waits for intake on one call. */
const SITE_INTAKE_TIMEOUT_MS = 10_000;

/** gateway: authentication, partners, API clients and staff, the support site; produces `partner.*`, `staff.*`, consumes `ticket.created`. */
export const gatewayService = defineService({
  name: 'gateway',
  description: "Authentication (OAuth 2.0 client credentials, JWKS), partners and their API clients, and the requester's support site.",
  schema: GATEWAY_SCHEMA,
  entities: [SigningKeyEntity, GeneratedMasterKeyEntity, PartnerEntity, ApiClientEntity, SsoStaffEntity],
  migrations: [
    ...messagingMigrations(GATEWAY_SCHEMA),
    CreateGatewayTables1764115600000,
    ClientRevocation1764201600000,
    KeyPublicationAndWrapping1764806400000,
    SupportSite1765300300000,
    SiteLinkRevocationPerTicket1765400000000,
    SiteFormAddresses1765500610000,
    IdempotencyKeys1765500700000,
    KeyWrappingFloor1765501401000,
    SsoStaff1765600650000,
    AnnounceDirectory1765600999000,
    MintedSiteLinks1765601100000,
    BackfillMintedSiteLinks1765602020000,
    StaffLanguage1765604600000,
    IdempotencyFingerprintsCleared1765605800000,
    MaskKeptNames1765606400000,
    MasterKeyChecks1765606830000,
  ],
  // Idempotency-Key on every POST behind a token (docs/adr/0028): partners, API clients, key rotation.
  idempotency: true,
  config: GatewayEnv,
  // Every problem of both settings in one refusal: a bad TSS_MASTER_KEYS hid TSS_SITE_LINK_KEYS's.
  configProblems: (config) => {
    const problems: string[] = [];
    try {
      configuredMasterKeys(config);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
    }
    return [...problems, ...SiteLinkKeys.problems(config)];
  },
  build: (deps) => {
    const { config } = deps;
    // A bad TSS_MASTER_KEYS fails at build, before any key is touched; one that does not open what is
    // wrapped under its id, at the start checks, before anything is served or written.
    const masterKeys = gatewayMasterKeys(deps, configuredMasterKeys(config));
    const settings = { issuer: config.TSS_JWT_ISSUER, audience: config.TSS_JWT_AUDIENCE };
    const links = SiteLinkKeys.fromSettings(config);
    // Services mode names intake's URL; in one process intake's routes are in this same app.
    const intakeUrl = deps.env[upstreamUrlSetting('ticket-intake')];
    // The ticket's response clock (P5) is sla-timer's: its URL in services mode, else this app's own route to it.
    const slaTimerUrl = deps.env[upstreamUrlSetting('sla-timer')];
    // P11: the ticket's survey and the requester's rating are rating's: its URL in services mode, else this app's own routes.
    const ratingUrl = deps.env[upstreamUrlSetting('rating')];
    // A new signing key signs this long after it is published: less than a service may keep an
    // older JWKS, and the new key's first tokens may be refused there until it fetches the JWKS again.
    const safePrePublishSeconds = JWKS_CACHE_MAX_AGE_MS / 1000 + JWKS_HTTP_MAX_AGE_SECONDS;
    if (config.TSS_SIGNING_KEY_PREPUBLISH_SECONDS < safePrePublishSeconds) {
      deps.logger.warn(
        { setting: 'TSS_SIGNING_KEY_PREPUBLISH_SECONDS', seconds: config.TSS_SIGNING_KEY_PREPUBLISH_SECONDS, safeMinimumSeconds: safePrePublishSeconds },
        `TSS_SIGNING_KEY_PREPUBLISH_SECONDS is below ${safePrePublishSeconds} s, how long a service may keep an older JWKS: after a key rotation, tokens of the new key may be refused until the services fetch it`,
      );
    }
    if (links.ephemeral && intakeUrl) {
      deps.logger.warn('TSS_SITE_LINK_KEYS is not set: support-site links are signed with a key of this process alone; links in mails (notification) will not open, and none survive a restart');
    }
    return {
      handlers: [onTicketCreated],
      startChecks: [() => masterKeys.problems()],
      routes: async (app) => {
        // The merged document is the gateway's (DESIGN): it describes the deliveries webhooks send, from the contracts.
        app.apiDocs.describeWebhooks(webhookDocs(webhookDeliveredContracts()));
        const keys = await openKeyRing(deps, deps.env, masterKeys);
        app.addSchema(ClientView); // shared by the partner and staff client routes
        await app.register(namedPlugin('authRoutes', authRoutes({ ...deps, keys, settings, maxKeyAgeMs: config.TSS_SIGNING_KEY_MAX_AGE_HOURS * 3_600_000 })));
        await app.register(namedPlugin('partnerRoutes', partnerRoutes(deps)));
        await app.register(namedPlugin('clientRoutes', clientRoutes(deps)));
        await app.register(namedPlugin('staffRoutes', staffRoutes(deps)));
        const siteDeps = {
          ...deps,
          keys,
          tokenSettings: settings,
          links,
          linkSettings: config,
          newRequestsPerAddressPerHour: config.MAIL_INBOUND_NEW_TICKETS_PER_SENDER_PER_HOUR,
          attachmentLimits: attachmentSizeLimitsOf(config),
          intake: intakeUrl ? httpIntake(intakeUrl, SITE_INTAKE_TIMEOUT_MS) : sameAppIntake(app, SITE_INTAKE_TIMEOUT_MS),
          slaTimer: slaTimerUrl ? httpIntake(slaTimerUrl, SITE_INTAKE_TIMEOUT_MS) : sameAppIntake(app, SITE_INTAKE_TIMEOUT_MS),
          rating: ratingUrl ? httpIntake(ratingUrl, SITE_INTAKE_TIMEOUT_MS) : sameAppIntake(app, SITE_INTAKE_TIMEOUT_MS),
        };
        await app.register(namedPlugin('siteLinkRoutes', siteLinkRoutes(siteDeps)));
        await app.register(namedPlugin('supportSiteRoutes', supportSiteRoutes(siteDeps)));
      },
    };
  },
});
