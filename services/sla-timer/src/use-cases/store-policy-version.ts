import type { EntityManager } from 'typeorm';
import { err, ok, type Failure, type Result } from '@tss/service-kit';
import { failedPolicyPrecondition } from '../domain/policy-etag';
import type { SlaPolicy } from '../domain/sla-policy';
import { policyStore, type StoredPolicyVersion } from '../store/policy.store';
import { inactivePartner } from './known-partner';

/**
 * Who stores a version, when, the ETag of the terms they read (If-Match; optional, as for
 * escalation's rules) and those it must not be stored over (If-None-Match).
 */
export interface PolicyChange {
  by: string;
  at: Date;
  ifMatch?: string;
  ifNoneMatch?: string;
}

/**
 * A new version of `scope` (`default` or a partner's id), unless `ifMatch` names terms no longer
 * in force, or `ifNoneMatch` names them: a 412, so an admin never stores over a change made since they read (RFC 9110 §13.2.2).
 * A partner's terms in force are its latest agreement, else the default (what its GET shows).
 */
export const storePolicyVersion = async (tx: EntityManager, scope: string, policy: SlaPolicy, change: PolicyChange): Promise<Result<StoredPolicyVersion, Failure>> => {
  if (change.ifMatch !== undefined || change.ifNoneMatch !== undefined) {
    // The scope's writers queue here (as in `append`), so the version compared is the one replaced.
    await policyStore.lockScope(tx, scope);
    const current = scope === 'default' ? await policyStore.latestDefault(tx) : ((await policyStore.latest(tx, scope)) ?? (await policyStore.latestDefault(tx)));
    const failed = failedPolicyPrecondition(change, current);
    if (failed) {
      return err({
        kind: 'precondition_failed',
        detail:
          failed === 'if-match'
            ? `The SLA terms changed since they were read (now ${current.scope} version ${current.version}); read them again and reapply your change.`
            : `If-None-Match names the terms in force (${current.scope} version ${current.version}), or is *: nothing was stored.`,
      });
    }
  }
  return ok(await policyStore.append(tx, scope, policy, { at: change.at, by: change.by }));
};

/**
 * A new version of a partner's agreement: as `storePolicyVersion`, for a partner the gateway
 * registered and has not deactivated; another id (a typo) is a 422 naming the path's `/id` that
 * stores nothing (docs/adr/0031, addendum of 2026-12-04, fourth session).
 */
export const storeAgreementVersion = async (tx: EntityManager, partnerId: string, policy: SlaPolicy, change: PolicyChange): Promise<Result<StoredPolicyVersion, Failure>> => {
  const inactive = await inactivePartner(tx, partnerId, { in: 'params', pointer: '/id' });
  if (inactive) return err(inactive);
  return storePolicyVersion(tx, partnerId, policy, change);
};
