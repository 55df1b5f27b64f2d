import { slaProjectionHandlers } from '../events/sla-projection.handler';
import { queueRoutes } from '../http/queue.routes';
import { QueueSearch1765000300000 } from '../store/migrations/1765000300000-queue-search';
import { QueueOpenViewOrder1765606861000 } from '../store/migrations/1765606861000-queue-open-view-order';
import { QueueOwedOnOpenIndexes1765606870000 } from '../store/migrations/1765606870000-queue-owed-on-open-indexes';
import { defineIntakePart } from './intake-part';

/**
 * The agents' queue (P4, issue #9): read in order, claim the next ticket. Its order follows the
 * due times of sla-timer's clocks, projected from `sla.*`. The migration also carries the search
 * part's text-search triggers and list indexes (one migration for the issue's queue and search).
 */
export const queuePart = defineIntakePart({
  name: 'queue',
  migrations: [QueueSearch1765000300000, QueueOpenViewOrder1765606861000, QueueOwedOnOpenIndexes1765606870000],
  build: (deps) => ({ routes: queueRoutes(deps), handlers: slaProjectionHandlers }),
});
