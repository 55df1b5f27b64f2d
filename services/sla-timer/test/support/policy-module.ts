import type { ServiceModule } from '@tss/runtime';
import { policiesPart } from '../../src/policies.part';

/**
 * sla-timer with the policies part composed in, for tests written before `index.ts` composes it;
 * once it does, the module is returned as it is.
 */
export const withPolicies = (module: ServiceModule): ServiceModule =>
  module.migrations.some((m) => (policiesPart.migrations as unknown[]).includes(m))
    ? module
    : {
        ...module,
        migrations: [...module.migrations, ...policiesPart.migrations],
        build: (deps) => {
          const parts = module.build(deps);
          return {
            ...parts,
            routes: async (app) => {
              if (parts.routes) await app.register(parts.routes);
              await app.register(policiesPart.routes(deps));
            },
          };
        },
      };
