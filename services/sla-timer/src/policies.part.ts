import type { ServiceDeps } from '@tss/runtime';
import { policyRoutes } from './http/policy.routes';
import { SlaPolicies1765100100000 } from './store/migrations/1765100100000-sla-policies';
import { AgreementRemovals1765501101000 } from './store/migrations/1765501101000-agreement-removals';
import { termsInForceReview } from './use-cases/review-terms-in-force';

/**
 * SLA policies and partners' agreements (issue #10): their table and routes, composed into the
 * sla-timer module by `index.ts` (its migrations beside the clocks', its routes beside slaRoutes).
 */
export const policiesPart = {
  // TypeORM runs a module's migrations in timestamp order, wherever they are listed.
  migrations: [SlaPolicies1765100100000, AgreementRemovals1765501101000],
  routes: (deps: Pick<ServiceDeps, 'dataSource' | 'unitOfWork' | 'clock'>) => policyRoutes(deps),
  /** Warns, once at start, of terms in force that today's rules refuse (stored by an older release). */
  background: (deps: Pick<ServiceDeps, 'dataSource' | 'logger'>) => [termsInForceReview(deps)],
};
