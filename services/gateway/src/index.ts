import { messagingTablesMigration } from '@tss/messaging';
import type { ServiceModule } from '@tss/runtime';
import { authRoutes } from './http/auth.routes';
import { partnerRoutes } from './http/partner.routes';
import { ApiClientEntity, GATEWAY_SCHEMA, PartnerEntity, SigningKeyEntity } from './store/gateway.entities';
import { KeyRing } from './store/key-ring';
import { CreateGatewayTables1764115600000 } from './store/migrations/1764115600000-create-gateway-tables';
import type { TokenSettings } from './use-cases/issue-token';

export { KeyRing } from './store/key-ring';
export { bootstrapAdmin, createClient, createPartner } from './use-cases/manage-clients';
export { signAccessToken, ACCESS_TOKEN_TTL_SECONDS, type TokenSettings } from './use-cases/issue-token';
export { forwardToServices, type ServiceUrls } from './http/forwarding';

export const tokenSettingsFrom = (env: NodeJS.ProcessEnv): TokenSettings => ({
  issuer: env.TSS_JWT_ISSUER ?? 'tss',
  audience: env.TSS_JWT_AUDIENCE ?? 'tss-api',
});

/** gateway: authentication, partners, API clients and staff; produces `partner.*`, `staff.*`. */
export const gatewayService: ServiceModule = {
  name: 'gateway',
  schema: GATEWAY_SCHEMA,
  entities: [SigningKeyEntity, PartnerEntity, ApiClientEntity],
  migrations: [messagingTablesMigration(GATEWAY_SCHEMA), CreateGatewayTables1764115600000],
  build: (deps) => {
    const keys = new KeyRing(deps.dataSource, deps.clock);
    const settings = tokenSettingsFrom(deps.env);
    return {
      routes: async (app) => {
        await keys.ensureKey();
        await app.register(authRoutes({ ...deps, keys, settings }));
        await app.register(partnerRoutes(deps));
      },
    };
  },
};
