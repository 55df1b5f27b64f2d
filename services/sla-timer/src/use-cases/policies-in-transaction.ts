import type { EntityManager } from 'typeorm';
import { transactionMemo } from '@tss/persistence';
import type { PolicyVersion } from '../domain/sla-policy';
import { policyStore, termsAt, type NewestTerms } from '../store/policy.store';

const newest = transactionMemo<string, NewestTerms>();
const atInstant = transactionMemo<string, PolicyVersion>();
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
  /**
   * The terms in force for the partner at `at`, the instant a clock starts (docs/adr/0031, addendum
   * of 2026-12-04, fifth session): answered from the newest versions, read once per partner per
   * transaction, when neither scope stored a version after `at` (the usual case); a clock starting
   * before the newest change reads the versions in force then (`policyStore.inForceAt`), once per
   * partner and instant.
   */
  inForceAt: async (partnerId: string, at: Date): Promise<PolicyVersion> => {
    const latest = await newest.read(tx, partnerId, () => policyStore.newestTerms(tx, partnerId));
    return termsAt(latest, at) ?? atInstant.read(tx, `${partnerId}\u0000${at.getTime()}`, () => policyStore.inForceAt(tx, partnerId, at));
  },
  /** `policyStore.version`, once per version per transaction. */
  version: (scope: string, version: number): Promise<PolicyVersion | undefined> =>
    versions.read(tx, `${scope}\u0000${version}`, () => policyStore.version(tx, scope, version)),
});
