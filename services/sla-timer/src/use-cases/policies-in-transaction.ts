import type { EntityManager } from 'typeorm';
import { transactionMemo } from '@tss/persistence';
import type { PolicyVersion } from '../domain/sla-policy';
import { policyStore } from '../store/policy.store';

const effective = transactionMemo<string, PolicyVersion>();
const versions = transactionMemo<string, PolicyVersion | undefined>();

/**
 * The SLA policies as the consumer's transaction reads them: each once per transaction, so a
 * consumed batch of ticket events reads a partner's terms once, not once per event (issue #15,
 * docs/adr/0046). Only for the consumer: its transaction writes no policy. A PUT commits in a
 * transaction of its own; a batch that read the terms before that commit keeps them, as if its
 * events had come first, and the next batch reads the new version. A clock keeps the version it
 * started under either way (versions are never changed in place).
 */
export const policiesIn = (tx: EntityManager) => ({
  /** `policyStore.effectiveFor`, once per partner per transaction. */
  effectiveFor: (partnerId: string): Promise<PolicyVersion> => effective.read(tx, partnerId, () => policyStore.effectiveFor(tx, partnerId)),
  /** `policyStore.version`, once per version per transaction. */
  version: (scope: string, version: number): Promise<PolicyVersion | undefined> =>
    versions.read(tx, `${scope}\u0000${version}`, () => policyStore.version(tx, scope, version)),
});
