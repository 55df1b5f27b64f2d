import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../clock';
import { SettingRefused } from '../config';
import { err, ok, type Result } from '../result';
import { KeyUnwrapError, rewrapUnderCurrent, type KeyWrapper, type WrappedKey } from './key-wrapper';
import { LocalKeyWrapper, type MasterKey } from './local-key-wrapper';

/** One thing a service holds sealed under a master key: how reports name it (a key id, a credential id), and its wrapped form. */
export interface SealedRow {
  ref: string;
  wrapped: WrappedKey;
}

/** A sealed row named, with the master key it is filed under. */
export interface SealedRef {
  ref: string;
  masterKeyId: string;
}

/**
 * What one service holds under master keys and keeps of them (docs/adr/0014, addendum of
 * 2026-12-05, seventh session): its sealed rows, the master keys it generated for itself (no
 * TSS_MASTER_KEYS), and a check value per master key. Each service implements it over its tables.
 */
export interface MasterKeyStore {
  /** How many rows it holds under each master key id. */
  countsByMasterKey(): Promise<ReadonlyMap<string, number>>;
  /** Rows held under `masterKeyId`, at most `limit`, in `ref` order after `after`. */
  sealedUnder(masterKeyId: string, after: string | undefined, limit: number): Promise<SealedRow[]>;
  /** Its generated master keys, oldest first. */
  generatedKeys(): Promise<MasterKey[]>;
  addGeneratedKey(key: MasterKey, at: Date): Promise<void>;
  deleteGeneratedKeys(ids: readonly string[]): Promise<void>;
  /** Check values by master key id: random bytes wrapped under that key, which only that key opens. */
  checkValues(): Promise<ReadonlyMap<string, Buffer>>;
  /** Keeps the first one recorded for an id (replicas starting together): the stored one decides. */
  addCheckValue(masterKeyId: string, ciphertext: Buffer, at: Date): Promise<void>;
  /** Forgets the check values of ids no longer configured: an id given to a new key later starts afresh. */
  deleteCheckValuesOtherThan(masterKeyIds: readonly string[]): Promise<void>;
}

export interface MasterKeysAtStartOptions {
  /** The service, as refusals and logs name it. */
  service: string;
  /** What it holds under master keys, as refusals and logs count it. */
  holds: { one: string; many: string };
  /** TSS_MASTER_KEYS parsed (the current key first); undefined when it is not set. */
  configured: readonly MasterKey[] | undefined;
  /** Ids of the keys it generates for itself start with it. */
  generatedIdPrefix: string;
  /** Logged at each start without TSS_MASTER_KEYS: what is sealed under a key kept in the same database. */
  notSetWarning: string;
  store: MasterKeyStore;
  clock: Clock;
  logger: Logger;
}

/** What a service seals and opens with, once its master keys passed the check. */
export interface OpenedMasterKeys {
  wrapper: KeyWrapper;
  /** The ids it holds keys of, configured and generated. */
  masterKeyIds: ReadonlySet<string>;
  /** Rows the check found not to open under their own master key: re-wrapping leaves them as they are. */
  unopenable: readonly SealedRef[];
}

/**
 * Master-key rotation of one row: wrapped again under the current key, or undefined when the key
 * it is filed under, one the service holds, does not open it (sealed under other bytes given that
 * id): such a row is left as it is and reported, so it cannot block every rotation after it. A row
 * under a key the service does not hold is a failure, as before.
 */
export const rewrapOrLeave = async (opened: Pick<OpenedMasterKeys, 'wrapper' | 'masterKeyIds'>, wrapped: WrappedKey): Promise<WrappedKey | undefined> => {
  try {
    return await rewrapUnderCurrent(opened.wrapper, wrapped);
  } catch (error) {
    if (error instanceof KeyUnwrapError && opened.masterKeyIds.has(wrapped.masterKeyId)) return undefined;
    throw error;
  }
};

interface Checked {
  keys: MasterKey[];
  generated: MasterKey[];
  checkValues: ReadonlyMap<string, Buffer>;
  unopenable: SealedRef[];
}

const SCAN_PAGE = 500;
const DOCS = 'docs/operations.md, "Master keys"';

const opens = async (wrapper: KeyWrapper, wrapped: WrappedKey): Promise<boolean> => {
  try {
    await wrapper.unwrap(wrapped);
    return true;
  } catch (error) {
    if (error instanceof KeyUnwrapError) return false;
    throw error;
  }
};

/**
 * A service's master keys at start: checked before anything is served or written (`problems`), then
 * opened (`open`: the development key generated, the current key's check value recorded), and,
 * once the service has re-wrapped what it holds, the start's outcome reported (`finish`). A value
 * given for an id that does not open what the service filed under that id is refused: it would
 * serve 500s, and seal new secrets under a key that opens nothing after the right one is back.
 */
export class MasterKeysAtStart {
  private checking?: Promise<Result<Checked, string[]>>;
  private opening?: Promise<OpenedMasterKeys>;

  constructor(private readonly options: MasterKeysAtStartOptions) {}

  /** What refuses the start, one line each naming TSS_MASTER_KEYS, the key id and the service; nothing is written. */
  async problems(): Promise<readonly string[]> {
    const checked = await this.check();
    return checked.ok ? [] : checked.error;
  }

  /** The keys to seal and open with; throws SettingRefused when the check found problems. Once per instance. */
  open(): Promise<OpenedMasterKeys> {
    this.opening ??= this.openChecked().catch((error: unknown) => {
      this.opening = undefined;
      throw error;
    });
    return this.opening;
  }

  /**
   * Once the service has re-wrapped what it holds: forgets the check values of ids no longer
   * configured, deletes the generated keys nothing is sealed under any more (with TSS_MASTER_KEYS
   * set), and reports what the start left: rows no key opens (`unopenable`: what the re-wrap
   * left, with what the check found), by id per master key.
   */
  async finish(outcome: { rewrapped: number; sealed?: number; unopenable: readonly SealedRef[] }): Promise<void> {
    const opened = await this.open();
    const { store, logger, service } = this.options;
    const configured = this.options.configured ?? [];
    const held = await store.countsByMasterKey();
    this.reportRewrap(opened.wrapper.currentMasterKeyId, outcome, held);
    if (configured.length > 0) {
      // An id no longer listed has nothing left under it (else the start stopped): a key given that id later starts afresh.
      await store.deleteCheckValuesOtherThan(configured.map((k) => k.id));
      // Everything re-wrapped under configured keys: a generated key left in the same database protects
      // nothing, and keeps older copies of the rows openable (P9 against backups, docs/adr/0026).
      const unused = (await store.generatedKeys()).map((k) => k.id).filter((id) => !held.get(id));
      if (unused.length > 0) {
        await store.deleteGeneratedKeys(unused);
        logger.info(
          { deleted: unused },
          `${unused.length === 1 ? 'generated master key' : 'generated master keys'} deleted: what ${service} sealed under ${unused.length === 1 ? 'it' : 'them'} is re-wrapped under TSS_MASTER_KEYS`,
        );
      }
    }
    // The check's scan and the re-wrap may both meet a row: it is reported once.
    const byMasterKey = new Map<string, Set<string>>();
    for (const { ref, masterKeyId } of [...opened.unopenable, ...outcome.unopenable]) byMasterKey.set(masterKeyId, (byMasterKey.get(masterKeyId) ?? new Set()).add(ref));
    for (const [masterKeyId, refs] of byMasterKey) {
      const ids = [...refs];
      const count = ids.length;
      this.options.logger.warn(
        { masterKeyId, count, ids },
        `${this.counted(count)} under master key ${masterKeyId} that ${masterKeyId} does not open (sealed under other bytes given the id ${masterKeyId}, as an earlier release could): ` +
          `left as ${count === 1 ? 'it is' : 'they are'}; remove ${count === 1 ? 'it' : 'them'} before dropping ${masterKeyId} (${DOCS})`,
      );
    }
  }

  /**
   * During a rotation (more than one key listed), or when this start re-wrapped or sealed anything,
   * one line with the counts: `leftUnderOtherIds` 0 is the operator's sign that the older key can go.
   */
  private reportRewrap(current: string, outcome: { rewrapped: number; sealed?: number }, held: ReadonlyMap<string, number>): void {
    const leftUnderOtherIds = [...held].filter(([id]) => id !== current).reduce((sum, [, n]) => sum + n, 0);
    const { rewrapped, sealed = 0 } = outcome;
    if ((this.options.configured ?? []).length < 2 && rewrapped + sealed + leftUnderOtherIds === 0) return;
    this.options.logger.info(
      { masterKeyId: current, rewrapped, ...(outcome.sealed === undefined ? {} : { sealed }), leftUnderOtherIds },
      `${this.options.holds.many} under the current master key ${current}: ${rewrapped} re-wrapped at this start${sealed > 0 ? `, ${sealed} sealed from clear` : ''}, ` +
        (leftUnderOtherIds === 0 ? 'none left under another key' : `${leftUnderOtherIds} left under another key (${DOCS})`),
    );
  }

  private counted(n: number): string {
    return `${n} ${n === 1 ? this.options.holds.one : this.options.holds.many}`;
  }

  private check(): Promise<Result<Checked, string[]>> {
    // A failure to read (the database away) is not remembered: the next call reads again.
    this.checking ??= this.checkNow().catch((error: unknown) => {
      this.checking = undefined;
      throw error;
    });
    return this.checking;
  }

  private async checkNow(): Promise<Result<Checked, string[]>> {
    const { store, service } = this.options;
    const configured = this.options.configured ?? [];
    const generated = await store.generatedKeys();
    const keys = [...configured, ...generated.filter((g) => !configured.some((c) => c.id === g.id))];
    const counts = await store.countsByMasterKey();
    const checkValues = await store.checkValues();
    const problems: string[] = [];
    // Rows under a key this service does not hold: they would stop the re-wrap (or answer 500s) after
    // something was written, a generated key first when TSS_MASTER_KEYS is unset.
    for (const [id, held] of counts) if (held > 0 && !keys.some((k) => k.id === id)) problems.push(this.notConfigured(id, held, configured));
    const unopenable: SealedRef[] = [];
    if (keys.length > 0) {
      const wrapper = new LocalKeyWrapper(keys);
      for (const { id } of configured) {
        const checkValue = checkValues.get(id);
        if (checkValue) {
          if (!(await opens(wrapper, { masterKeyId: id, ciphertext: checkValue }))) problems.push(this.notTheKey(id));
          continue;
        }
        // No check value yet (what a release before this one sealed): the rows under the id decide.
        const held = counts.get(id) ?? 0;
        if (held === 0) continue;
        const scanned = await this.scan(wrapper, id);
        if (scanned.opened === 0) problems.push(`TSS_MASTER_KEYS: master key ${id} opens none of the ${this.counted(held)} ${service} holds under ${id}: give ${id} the value they were sealed with (${DOCS})`);
        else unopenable.push(...scanned.unopenable);
      }
    }
    return problems.length > 0 ? err(problems) : ok({ keys, generated, checkValues, unopenable });
  }

  private notConfigured(id: string, held: number, configured: readonly MasterKey[]): string {
    const { service } = this.options;
    const holding = `${service} holds ${this.counted(held)} under ${id}`;
    if (configured.length === 0) return `TSS_MASTER_KEYS is not set: master key ${id} is missing, and ${holding}: set TSS_MASTER_KEYS="${id}:<its value>" and start again (${DOCS})`;
    return (
      `TSS_MASTER_KEYS: master key ${id} is not configured, and ${holding}: list it after the current key (TSS_MASTER_KEYS="${configured[0].id}:…,${id}:<its value>") ` +
      `and start again, which re-wraps them under ${configured[0].id}; drop ${id} once nothing is left under it (${DOCS})`
    );
  }

  private notTheKey(id: string): string {
    return `TSS_MASTER_KEYS: master key ${id} is not the key ${this.options.service} sealed under ${id} (it does not open its check value): give ${id} the value it had (${DOCS})`;
  }

  /** Every row under `id`: how many open, and which do not. */
  private async scan(wrapper: KeyWrapper, id: string): Promise<{ opened: number; unopenable: SealedRef[] }> {
    let opened = 0;
    const unopenable: SealedRef[] = [];
    for (let after: string | undefined; ; ) {
      const page = await this.options.store.sealedUnder(id, after, SCAN_PAGE);
      for (const row of page) {
        if (await opens(wrapper, row.wrapped)) opened += 1;
        else unopenable.push({ ref: row.ref, masterKeyId: id });
      }
      if (page.length < SCAN_PAGE) return { opened, unopenable };
      after = page[page.length - 1].ref;
    }
  }

  private async openChecked(): Promise<OpenedMasterKeys> {
    const checked = await this.check();
    if (!checked.ok) throw new SettingRefused(checked.error);
    const { store, clock, logger } = this.options;
    const { keys, unopenable } = checked.value;
    const configured = this.options.configured ?? [];
    if (configured.length > 0) {
      const wrapper = new LocalKeyWrapper(keys);
      const current = wrapper.currentMasterKeyId;
      if (!checked.value.checkValues.has(current)) {
        // The first use of this id by this service: from now on, a value that does not open this is refused.
        await store.addCheckValue(current, (await wrapper.wrap(randomBytes(32))).ciphertext, clock.now());
        const stored = (await store.checkValues()).get(current);
        if (!stored || !(await opens(wrapper, { masterKeyId: current, ciphertext: stored }))) throw new SettingRefused([this.notTheKey(current)]);
      }
      return { wrapper, masterKeyIds: new Set(keys.map((k) => k.id)), unopenable };
    }
    let generated = checked.value.generated;
    if (generated.length === 0) {
      // Replicas starting together may both insert; every one then uses the oldest row.
      await store.addGeneratedKey({ id: `${this.options.generatedIdPrefix}${randomBytes(6).toString('hex')}`, key: randomBytes(32) }, clock.now());
      generated = await store.generatedKeys();
    }
    logger.warn({ masterKeyId: generated[0].id }, this.options.notSetWarning);
    return { wrapper: new LocalKeyWrapper(generated), masterKeyIds: new Set(generated.map((k) => k.id)), unopenable };
  }
}
