import type { StoredPolicyVersion } from '../store/policy.store';

/** A stored version as the policy routes show it (`SlaPolicyVersion`): no author, which partners may not see. */
export const toPolicyVersionView = (v: StoredPolicyVersion) => ({ scope: v.scope, version: v.version, createdAt: v.createdAt.toISOString(), policy: v.policy });
