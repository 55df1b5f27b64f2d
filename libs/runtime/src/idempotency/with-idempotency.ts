import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import type { Clock } from '@tss/service-kit';
import type { ServiceModule, ServiceParts } from '../service-module';
import { IDEMPOTENCY_MIGRATION } from './idempotency.migration';
import { IdempotencyPruner } from './idempotency-pruner';
import { installIdempotency } from './idempotency.plugin';
import { IdempotencyStore } from './idempotency.store';

/** Whether a module handles Idempotency-Key: as it says, else when its migrations make the table. */
export const enablesIdempotency = (module: ServiceModule): boolean => {
  const listsTable = module.migrations.some((migration) => Object.hasOwn(migration, IDEMPOTENCY_MIGRATION));
  if (module.idempotency === true && !listsTable) throw new Error(`${module.name}: idempotency is on but its migrations list no idempotencyMigration(schema)`);
  return module.idempotency ?? listsTable;
};

/**
 * A module's parts with Idempotency-Key handling around its routes (every POST, docs/adr/0028)
 * and the prune of expired keys among its background tasks, when the module enables it. In a
 * module that does not, a route asking for it is a start-up error rather than a silent no-op.
 */
export const withIdempotency = (module: ServiceModule, parts: ServiceParts, deps: { dataSource: DataSource; clock: Clock; logger: Logger }): ServiceParts => {
  const routes = parts.routes;
  if (!routes) return parts;
  if (!enablesIdempotency(module)) {
    return {
      ...parts,
      routes: async (scope) => {
        scope.addHook('onRoute', (route) => {
          if (route.config?.idempotency === true) throw new Error(`${route.url}: config.idempotency needs the module ${module.name} to enable idempotency`);
        });
        await routes(scope);
      },
    };
  }
  const store = new IdempotencyStore(deps.dataSource, module.schema);
  const logger = deps.logger.child({ component: 'idempotency' });
  const pruner = new IdempotencyPruner({ service: module.name, store, clock: deps.clock, logger });
  return {
    ...parts,
    routes: async (scope) => {
      installIdempotency(scope, { store, clock: deps.clock });
      await routes(scope);
    },
    background: [...(parts.background ?? []), pruner],
  };
};
