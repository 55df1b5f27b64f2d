import { Type, type Static } from '@sinclair/typebox';
import { ServiceNames, type ServiceName } from '@tss/contracts';
import { AttachmentSizeEnv, envSchema, MasterKeysSetting, NewTicketsPerAddressEnv, SiteLinkEnv, TokenEnv } from '@tss/service-kit';

/**
 * The gateway module's own settings (`gatewayService.config`): every process that hosts it
 * validates them with its own before connecting (docs/adr/0015), and passes them to `build`.
 */
export const GatewayEnv = envSchema({
  ...TokenEnv,
  /** Signing keys rotate by themselves when the current one is older than this. */
  TSS_SIGNING_KEY_MAX_AGE_HOURS: Type.Integer({ minimum: 1, maximum: 24 * 365, default: 24 * 30 }),
  /** A new signing key is in the JWKS this long before it signs: more than verifiers cache the JWKS (docs/adr/0014). */
  TSS_SIGNING_KEY_PREPUBLISH_SECONDS: Type.Integer({ minimum: 0, maximum: 86_400, default: 600 }),
  /** Master keys that wrap the signing keys at rest; without them the gateway generates one (development only). */
  TSS_MASTER_KEYS: Type.Optional(MasterKeysSetting),
  /** The support site's links (issue #13): the keys notification signs with too, their lifetime, the public address. */
  ...SiteLinkEnv,
  /** The public form's bound on the requests naming one address (docs/adr/0037 addendum): the same setting as inbound mail's. */
  ...NewTicketsPerAddressEnv,
  /** P8: the attachment size limits intake holds files to, the same settings: the support site names them before a reply is sent. */
  ...AttachmentSizeEnv,
});
export type GatewayEnv = Static<typeof GatewayEnv>;

/** The first admin client, made at start when no client exists (both modes; docs/auth.md). */
export const BootstrapAdminEnv = {
  TSS_BOOTSTRAP_CLIENT_ID: Type.Optional(Type.String({ minLength: 3, maxLength: 200 })),
  TSS_BOOTSTRAP_CLIENT_SECRET: Type.Optional(Type.String({ minLength: 16, maxLength: 500 })),
};

export type RoutedService = Exclude<ServiceName, 'gateway'>;

/** The services the gateway forwards to: derived from the one list of services, never listed again. */
export const ROUTED_SERVICES: readonly RoutedService[] = ServiceNames.filter((name): name is RoutedService => name !== 'gateway');

/** The variable that gives the gateway a service's base URL: TSS_<NAME>_URL (ticket-intake keeps its published, shorter name). */
export const upstreamUrlSetting = (service: RoutedService): string =>
  service === 'ticket-intake' ? 'TSS_INTAKE_URL' : `TSS_${service.toUpperCase().replace(/-/g, '_')}_URL`;

/** Services mode: one required URL variable per routed service. */
export const UpstreamUrlsEnv = envSchema(
  Object.fromEntries(ROUTED_SERVICES.map((service) => [upstreamUrlSetting(service), Type.String({ pattern: '^https?://', description: `Base URL of ${service}` })])),
);

/** The routed services' URLs from settings validated against UpstreamUrlsEnv. */
export const upstreamUrls = (settings: Readonly<Record<string, unknown>>): Readonly<Record<RoutedService, string>> =>
  // Every key is a routed service (built from ROUTED_SERVICES), and UpstreamUrlsEnv made each value a string.
  Object.fromEntries(ROUTED_SERVICES.map((service) => [service, String(settings[upstreamUrlSetting(service)])])) as Record<RoutedService, string>;
