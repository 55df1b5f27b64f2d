import type { EntityManager } from 'typeorm';
import { err, ok, type Failure, type Result } from '@tss/service-kit';
import { failedPolicyPrecondition } from '../domain/policy-etag';
import { policyStore, type StoredPolicyVersion } from '../store/policy.store';
import type { PolicyChange } from './store-policy-version';

/**
 * Drops a partner's agreement: its terms are the default's from now on, for clocks that start
 * from now on; running clocks keep the version they started under (issue #10). Recorded as the
 * agreement's next version, `removed`, so its history shows when and by whom (docs/adr/0031,
 * addendum of 2026-12-04, fourth session). A 404 when the partner has no agreement in force; a 412
 * when `ifMatch` names other terms than that agreement, or `ifNoneMatch` names it (RFC 9110 §13.2.2). Answers the terms now
 * in force: the default's.
 */
export const removeAgreement = async (tx: EntityManager, partnerId: string, change: PolicyChange): Promise<Result<StoredPolicyVersion, Failure>> => {
  // The scope's writers queue here (as in `append`), so the agreement compared is the one dropped.
  await policyStore.lockScope(tx, partnerId);
  const agreement = await policyStore.latest(tx, partnerId);
  if (!agreement) return err({ kind: 'not_found', detail: 'This partner has no SLA agreement: its terms are the default’s.' });
  const failed = failedPolicyPrecondition(change, agreement);
  if (failed) {
    return err({
      kind: 'precondition_failed',
      detail:
        failed === 'if-match'
          ? `The SLA terms changed since they were read (now ${agreement.scope} version ${agreement.version}); read them again before dropping the agreement.`
          : `If-None-Match names the agreement in force (${agreement.scope} version ${agreement.version}), or is *: nothing was dropped.`,
    });
  }
  await policyStore.appendRemoval(tx, agreement, { at: change.at, by: change.by });
  return ok(await policyStore.latestDefault(tx));
};
