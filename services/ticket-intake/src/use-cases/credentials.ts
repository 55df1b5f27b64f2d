import { randomBytes, randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import {
  ConfigError,
  err,
  findCredentials,
  maskCredentials,
  ok,
  parseMasterKeys,
  type Failure,
  type FoundCredential,
  type KeyWrapper,
  type MasterKeysAtStart,
  type RequestScope,
  type Result,
} from '@tss/service-kit';
import { vaultMark, type Channel } from '@tss/contracts';
import type { FiredTimer } from '@tss/timers';
import { SYSTEM_ACTOR, type Actor } from '../domain/actor';
import { checkCredentialLabel } from '../domain/credential-label';
import { newDataKey, openCredential, sealCredential, type CredentialSecret } from '../domain/credential-crypto';
import { publishTicketChange } from '../events/ticket-events.producer';
import type { IntakeDeps } from '../parts/intake-part';
import { credentialMasterKeys, openCredentialKeyWrapper } from '../store/credential-key-wrapper';
import { credentialStore, type CredentialKind, type CredentialMetadata, type CredentialTicket, type CredentialVisibility } from '../store/credential.store';
import { historyStore } from '../store/history.store';
import { messageStore } from '../store/message.store';
import { ticketStore, type LockedTicket } from '../store/ticket.store';
import { commitChange } from './commit-change';
import { actorOf as requestActorOf } from './ticket-actor';

/** P9: "destroyed no later than 2 days after resolution". */
export const MAX_DESTROY_AFTER_MINUTES = 2 * 24 * 60;
export const CREDENTIALS_DESTROY_TIMER = 'credentials.destroy';
const destroyTimerId = (ticketId: string): string => `${CREDENTIALS_DESTROY_TIMER}:${ticketId}`;

/** What the vault's use cases need of intake's deps (any part's deps will do). */
export type CredentialDeps = Pick<IntakeDeps<unknown>, 'dataSource' | 'unitOfWork' | 'outbox' | 'clock' | 'logger' | 'timers' | 'config' | 'env'>;

interface Vault {
  /** The master keys, checked at start against what the vault holds under each id (docs/adr/0014, seventh session). */
  masterKeys: MasterKeysAtStart;
  keyWrapper(): Promise<KeyWrapper>;
  destroyAfterMs: number;
}

// One vault per service instance (its data source): the master keys are read, and the warning
// about a generated one logged, once.
const vaults = new WeakMap<object, Vault>();

const destroyAfterMinutesOf = (config: unknown): number => {
  const setting = (config as { CREDENTIALS_DESTROY_AFTER_MINUTES?: unknown } | undefined)?.CREDENTIALS_DESTROY_AFTER_MINUTES;
  return typeof setting === 'number' && Number.isInteger(setting) && setting >= 0 ? Math.min(setting, MAX_DESTROY_AFTER_MINUTES) : MAX_DESTROY_AFTER_MINUTES;
};

/** The vault of these deps; a bad TSS_MASTER_KEYS is a ConfigError naming each problem (never the key). */
export const credentialVault = (deps: CredentialDeps): Vault => {
  const known = vaults.get(deps.dataSource);
  if (known) return known;
  const setting = deps.env.TSS_MASTER_KEYS;
  const parsed = setting ? parseMasterKeys(setting) : undefined;
  if (parsed && !parsed.ok) throw new ConfigError(parsed.error.map((problem) => `TSS_MASTER_KEYS: ${problem}`));
  let opening: Promise<KeyWrapper> | undefined;
  const masterKeys = credentialMasterKeys(deps, parsed?.value);
  const vault: Vault = {
    masterKeys,
    keyWrapper: () => {
      opening ??= openCredentialKeyWrapper(deps, parsed?.value, masterKeys).catch((error: unknown) => {
        opening = undefined;
        throw error;
      });
      return opening;
    },
    destroyAfterMs: destroyAfterMinutesOf(deps.config) * 60_000,
  };
  vaults.set(deps.dataSource, vault);
  return vault;
};

/** Who acts, as every route of intake names them (a staff member's site link is theirs: ticket-actor.ts). */
const actorOf = (scope: RequestScope): Actor => requestActorOf(scope);

/** Tenancy (DESIGN): staff see every ticket; a partner its own; a requester its own tickets of its partner. */
const visibleTo = (ticket: CredentialTicket, scope: RequestScope): boolean =>
  scope.kind === 'staff' || (ticket.partnerId === scope.partnerId && (scope.kind === 'partner' || ticket.requesterId === scope.requesterId));

const NO_SUCH_TICKET: Failure = { kind: 'not_found', detail: 'No such ticket.' };

/** When a credential stored now on this ticket is due for destruction: only once the ticket is resolved or closed. */
const destroyAtFor = (vault: Vault, ticket: CredentialTicket, now: Date): Date | undefined => {
  if (ticket.status !== 'resolved' && ticket.status !== 'closed') return undefined;
  const due = (ticket.resolvedAt ?? now).getTime() + vault.destroyAfterMs;
  return new Date(Math.max(due, now.getTime()));
};

const scheduleDestruction = async (tx: EntityManager, deps: CredentialDeps, ticket: Pick<CredentialTicket, 'id' | 'partnerId'>, dueAt: Date): Promise<void> => {
  await deps.timers.schedule(tx, { id: destroyTimerId(ticket.id), kind: CREDENTIALS_DESTROY_TIMER, dueAt, payload: { ticketId: ticket.id, partnerId: ticket.partnerId } });
  await credentialStore.setDestroyAfter(tx, ticket.id, dueAt);
};

/** Seals a secret under a new data key, wraps the key, stores both and audits it (never the secret). */
const sealAndStore = async (
  tx: EntityManager,
  deps: CredentialDeps,
  input: { id?: string; ticket: CredentialTicket; label: string; kind: CredentialKind; visibility?: CredentialVisibility; secret: CredentialSecret; actor: Actor; now: Date },
): Promise<CredentialMetadata> => {
  const vault = credentialVault(deps);
  const wrapper = await vault.keyWrapper();
  const id = input.id ?? randomUUID();
  const dataKey = newDataKey(randomBytes);
  const sealed = sealCredential(dataKey, { credentialId: id, ticketId: input.ticket.id }, input.secret, randomBytes);
  const wrapped = await wrapper.wrap(dataKey);
  dataKey.fill(0);
  const destroyAt = destroyAtFor(vault, input.ticket, input.now);
  const credential: CredentialMetadata = {
    id,
    ticketId: input.ticket.id,
    partnerId: input.ticket.partnerId,
    label: input.label,
    kind: input.kind,
    visibility: input.visibility ?? 'public',
    createdBy: input.actor,
    createdAt: input.now,
    ...(destroyAt ? { destroyAfter: destroyAt } : {}),
  };
  await credentialStore.insert(tx, credential, sealed, wrapped);
  await historyStore.append(tx, {
    ticketId: input.ticket.id,
    partnerId: input.ticket.partnerId,
    at: input.now,
    actor: input.actor,
    action: 'credential_stored',
    detail: { credentialId: id, label: input.label, kind: input.kind },
    visibility: credential.visibility,
  });
  if (destroyAt) await scheduleDestruction(tx, deps, input.ticket, destroyAt);
  return credential;
};

/** `POST /v1/tickets/{id}/credentials`: partner, requester (own ticket) or staff hands over access particulars. */
export const storeCredential = async (
  deps: CredentialDeps,
  input: { scope: RequestScope; ticketId: string; label: string; login?: string; secret: string; note?: string },
): Promise<Result<CredentialMetadata, Failure>> =>
  deps.unitOfWork.run(async (tx) => {
    const found = await credentialStore.ticket(tx, input.ticketId);
    if (!found || !visibleTo(found, input.scope)) return err(NO_SUCH_TICKET);
    // Under the ticket's row lock, as a resolution or a reopening takes it: the status read here is
    // the one the deadline follows, and an event told of it is numbered in the ticket's order.
    const locked = await ticketStore.lockForChange(tx, found.partnerId, found.id);
    if (!locked) return err(NO_SUCH_TICKET);
    const ticket: CredentialTicket = { ...found, status: locked.status, resolvedAt: locked.resolvedAt ?? null };
    if (ticket.status === 'closed') return err({ kind: 'conflict', detail: 'The ticket is closed: it takes no more credentials.' });
    const label = checkCredentialLabel(input.label);
    if (!label.ok) return label;
    const secret: CredentialSecret = { secret: input.secret, ...(input.login ? { login: input.login } : {}), ...(input.note ? { note: input.note } : {}) };
    const actor = actorOf(input.scope);
    const now = deps.clock.now();
    const stored = await sealAndStore(tx, deps, { ticket, label: label.value, kind: 'submitted', secret, actor, now });
    if (stored.destroyAfter && ticket.status === 'resolved') await tellOfCredentialsAfterResolution(tx, deps, locked, { credential: stored, destroyAfter: stored.destroyAfter, actor, now });
    return ok(stored);
  });

/**
 * P9: the requester is told to change particulars "when the ticket is resolved"; those handed over
 * after it are due with the resolution's (docs/adr/0026), so they are told now: a note in the
 * thread, as at the resolution, and `ticket.credentials_stored_after_resolution`, which
 * notification mails them as it mails the resolution's notice (docs/adr/0026, addendum of
 * 2026-12-05, second session).
 */
const tellOfCredentialsAfterResolution = async (
  tx: EntityManager,
  deps: CredentialDeps,
  locked: LockedTicket,
  input: { credential: CredentialMetadata; destroyAfter: Date; actor: Actor; now: Date },
): Promise<void> => {
  await postPublicSystemNote(tx, locked, credentialsAfterResolutionNote(input.destroyAfter, locked.language), input.now);
  const effect = { kind: 'credentials_stored_after_resolution' as const, credentialId: input.credential.id, destroyAfter: input.destroyAfter };
  await commitChange(tx, { outbox: deps.outbox, timers: deps.timers }, locked, { ticket: locked, effects: [effect] }, input.actor, input.now);
};

/** `GET /v1/tickets/{id}/credentials`: what is stored, never a secret. */
export const listCredentials = async (deps: CredentialDeps, input: { scope: RequestScope; ticketId: string }): Promise<Result<CredentialMetadata[], Failure>> => {
  const manager = deps.dataSource.manager;
  const ticket = await credentialStore.ticket(manager, input.ticketId);
  if (!ticket || !visibleTo(ticket, input.scope)) return err(NO_SUCH_TICKET);
  // P9: an internal note's particulars are staff's, as the note is.
  return ok(await credentialStore.listForTicket(manager, input.ticketId, { includeInternal: input.scope.kind === 'staff' }));
};

/** A credential that was destroyed (HTTP 410 Gone: it existed, and never will again). */
export interface CredentialGone {
  kind: 'gone';
  detail: string;
  destroyedAt: Date;
}

export interface RevealedCredential {
  credential: CredentialMetadata;
  secret: CredentialSecret;
}

/**
 * `GET /v1/tickets/{id}/credentials/{cid}`: staff only (the route admits no other token). The
 * reveal and its audit entry commit together: no audit, no secret.
 */
export const revealCredential = async (
  deps: CredentialDeps,
  input: { staffId: string; ticketId: string; credentialId: string },
): Promise<Result<RevealedCredential, Failure | CredentialGone>> => {
  const wrapper = await credentialVault(deps).keyWrapper();
  return deps.unitOfWork.run(async (tx): Promise<Result<RevealedCredential, Failure | CredentialGone>> => {
    const found = await credentialStore.findSealed(tx, input.ticketId, input.credentialId);
    if (!found) return err({ kind: 'not_found', detail: 'No such credential on this ticket.' });
    const { sealed, dataKey, ...credential } = found;
    if (credential.destroyedAt || !sealed || !dataKey) {
      return err({ kind: 'gone', detail: 'These credentials were destroyed (P9).', destroyedAt: credential.destroyedAt ?? deps.clock.now() });
    }
    // Past its deadline, its destruction timer not fired yet (a worker starting, or catching up
    // after a restore): the deadline holds all the same (docs/adr/0026, fifth session).
    if (credential.destroyAfter && credential.destroyAfter.getTime() <= deps.clock.now().getTime()) {
      return err({ kind: 'gone', detail: 'These credentials are past their destruction deadline and are being destroyed (P9).', destroyedAt: credential.destroyAfter });
    }
    const key = await wrapper.unwrap(dataKey);
    const opened = openCredential(key, { credentialId: credential.id, ticketId: credential.ticketId }, sealed);
    key.fill(0);
    // A stored secret that no longer opens is tampering or a lost key: a fault, not the caller's mistake.
    if (!opened.ok) throw new Error(`credential ${credential.id} does not open under its data key`);
    await historyStore.append(tx, {
      ticketId: credential.ticketId,
      partnerId: credential.partnerId,
      at: deps.clock.now(),
      actor: { kind: 'staff', id: input.staffId },
      action: 'credential_revealed',
      detail: { credentialId: credential.id, label: credential.label },
      visibility: credential.visibility,
    });
    return ok({ credential, secret: opened.value });
  });
};

/** Particulars taken out of a text that is not stored yet: each with the id its placeholder names. */
export interface TextForVault {
  /** The text to store: every finding replaced by `[credentials stored securely: TSS vault #<id>]`. */
  text: string;
  /** `privateKey`: a private key's block (its kind in the secret's note), which the author's note names. */
  pending: { id: string; secret: CredentialSecret; privateKey?: true }[];
}

/** How many of the particulars taken are private keys: the notes name them (docs/adr/0026, fifth session). */
export const privateKeysIn = (pending: TextForVault['pending']): number => pending.filter((p) => p.privateKey).length;

/** What the vault seals of a finding: a private key's kind is kept as the note, so staff know what they reveal. */
const secretOf = (finding: FoundCredential): CredentialSecret => ({
  secret: finding.secret,
  ...(finding.login ? { login: finding.login } : {}),
  ...(finding.keyKind ? { note: finding.keyKind } : {}),
});

const DETECTED_LABEL = 'Access particulars from a message';
/** A file's name held them (docs/adr/0026, addendum of 2026-12-05, first session): staff know where to look. */
export const DETECTED_IN_FILE_NAME_LABEL = 'Access particulars from a file name';
/** More findings than this in one text are vaulted as one credential: one message, bounded work. */
const MAX_CREDENTIALS_PER_TEXT = 10;
/** The mark of particulars taken out of a text, one wording stored; readers see it in their words (`vaultMarksIn`, libs/contracts). */
const placeholderFor = vaultMark;

/**
 * P9, for text written before its ticket row exists (a new ticket's description, an e-mail that
 * opens a ticket): masks the particulars now, so the plain text is never stored or published, and
 * fixes the credential ids the placeholders name. `vaultPending` stores them once the ticket exists.
 */
export const maskForVault = (text: string): TextForVault => {
  const found = findCredentials(text);
  if (found.length === 0) return { text, pending: [] };
  if (found.length > MAX_CREDENTIALS_PER_TEXT) {
    // A pasted list (or a flood): every one still masked, all kept together as one credential.
    const id = randomUUID();
    const secret = found.map((f) => (f.login === undefined ? f.secret : `${f.login} / ${f.secret}`)).join('\n');
    // The keys' kinds go with them for staff; the note counts the one credential, as for the rest of a flood.
    const keyKinds = found.flatMap((f) => (f.keyKind ? [f.keyKind] : []));
    return { text: maskCredentials(text, found, () => placeholderFor(id)), pending: [{ id, secret: { secret, ...(keyKinds.length > 0 ? { note: keyKinds.join(', ') } : {}) } }] };
  }
  const pending = found.map((finding) => ({ id: randomUUID(), secret: secretOf(finding), ...(finding.keyKind ? { privateKey: true as const } : {}) }));
  return { text: maskCredentials(text, found, (_finding, i) => placeholderFor(pending[i].id)), pending };
};

/**
 * Stores what `maskForVault` took out, in the transaction that wrote the ticket; returns the
 * credential ids. `visibility` is the text's: an internal note's particulars are staff's (P9).
 */
export const vaultPending = async (
  tx: EntityManager,
  deps: CredentialDeps,
  input: { ticketId: string; partnerId: string; pending: TextForVault['pending']; actor: Actor; now: Date; visibility?: CredentialVisibility; label?: string },
): Promise<string[]> => (await vaultPendingOf(tx, deps, input)).ids;

/** `vaultPending`, and when what it stored is due for destruction (a resolved ticket's: P9). */
const vaultPendingOf = async (
  tx: EntityManager,
  deps: CredentialDeps,
  input: { ticketId: string; partnerId: string; pending: TextForVault['pending']; actor: Actor; now: Date; visibility?: CredentialVisibility; label?: string },
): Promise<{ ids: string[]; destroyAfter?: Date }> => {
  if (input.pending.length === 0) return { ids: [] };
  const ticket = await credentialStore.ticket(tx, input.ticketId);
  if (!ticket || ticket.partnerId !== input.partnerId) throw new Error(`vaultPending: no ticket ${input.ticketId} of partner ${input.partnerId}`);
  let destroyAfter: Date | undefined;
  for (const { id, secret } of input.pending) {
    const stored = await sealAndStore(tx, deps, { id, ticket, label: input.label ?? DETECTED_LABEL, kind: 'detected', visibility: input.visibility, secret, actor: input.actor, now: input.now });
    destroyAfter = stored.destroyAfter ?? destroyAfter;
  }
  return { ids: input.pending.map((p) => p.id), ...(destroyAfter ? { destroyAfter } : {}) };
};

/**
 * P9, for the messages route: access particulars in a message are moved into the vault and
 * masked, e.g. `[credentials stored securely: TSS vault #1a2b3c4d]`. Returns the text to store and
 * the ids of the credentials made (none: the text unchanged), how many of them are private keys,
 * and when they are due for destruction if the ticket is resolved. The caller tells the requester.
 */
export const vaultSecretsInText = async (
  tx: EntityManager,
  deps: CredentialDeps,
  input: { ticketId: string; partnerId: string; text: string; actor: Actor; now: Date; visibility?: CredentialVisibility; label?: string },
): Promise<{ text: string; vaulted: string[]; privateKeys: number; destroyAfter?: Date }> => {
  const masked = maskForVault(input.text);
  const { ids: vaulted, destroyAfter } = await vaultPendingOf(tx, deps, {
    ticketId: input.ticketId,
    partnerId: input.partnerId,
    pending: masked.pending,
    actor: input.actor,
    now: input.now,
    ...(input.visibility ? { visibility: input.visibility } : {}),
    ...(input.label ? { label: input.label } : {}),
  });
  return { text: masked.text, vaulted, privateKeys: privateKeysIn(masked.pending), ...(destroyAfter ? { destroyAfter } : {}) };
};

/**
 * P9, for the resolve use case: destruction of the ticket's credentials, staff's own included, is
 * scheduled for `resolvedAt` + CREDENTIALS_DESTROY_AFTER_MINUTES (at most 2 days). Answers when,
 * and whether the requester's side is to be told to change them: only of credentials it sees (an
 * internal note's are staff's, and telling of them would reveal the note). Call it on a close
 * without resolution too (`onTicketClosed`).
 */
export const onTicketResolved = async (
  tx: EntityManager,
  deps: CredentialDeps,
  input: { ticketId: string; partnerId: string; resolvedAt: Date },
): Promise<{ requesterToBeTold: boolean; destroyAt?: Date }> => {
  if (!(await credentialStore.hasLive(tx, input.ticketId))) return { requesterToBeTold: false };
  const destroyAt = new Date(input.resolvedAt.getTime() + credentialVault(deps).destroyAfterMs);
  await scheduleDestruction(tx, deps, { id: input.ticketId, partnerId: input.partnerId }, destroyAt);
  return { requesterToBeTold: await credentialStore.hasLive(tx, input.ticketId, 'public'), destroyAt };
};

/**
 * A ticket closed: without a resolution (out of scope, P6) its credentials go as after one, counted
 * from the close; after a resolution the count stays from the resolution (closing never postpones).
 */
export const onTicketClosed = (tx: EntityManager, deps: CredentialDeps, input: { ticketId: string; partnerId: string; closedAt: Date; resolvedAt?: Date }) =>
  onTicketResolved(tx, deps, { ticketId: input.ticketId, partnerId: input.partnerId, resolvedAt: input.resolvedAt ?? input.closedAt });

/**
 * Where particulars the vault took came from, as the requester is told (P9): a rating's comment is
 * not on the thread; a file's name is shown with the file (docs/adr/0026, 2026-12-05, first session).
 */
export type VaultedFrom = 'message' | 'request' | 'rating_comment' | 'file_name';

/** What the requester's side is told to do with particulars the vault took: change them once the ticket is resolved (P9). */
const CHANGE_ONCE_RESOLVED = {
  en: 'Please change them once this ticket is resolved.',
  ru: 'Пожалуйста, смените их после решения обращения.',
};
const OWNER_CHANGES_ONCE_RESOLVED = {
  en: 'Whoever they belong to should change them once this ticket is resolved.',
  ru: 'Владельцу этих данных следует сменить их после решения обращения.',
};
const inLanguage = (texts: { en: string; ru: string }, language?: string): string => (language === 'ru' ? texts.ru : texts.en);
/** A note and its advice, or the note alone (`advise: false`: the ticket is resolved, and the deadline's note advises). */
const advised = (note: string, advice: string, advise: boolean): string => (advise ? `${note} ${advice}` : note);

/**
 * What a note says a text held: "access particulars", with the private keys among them named, a key
 * being one of them (docs/adr/0026, addendum of 2026-12-05, fifth session): ": a private key",
 * ", a private key among them", ", 2 private keys among them", ": 2 private keys". The count is in
 * words, never in brackets; of plain particulars none is given, the notes read better without it
 * (addendum of 2026-12-05, sixth session).
 */
const counted = (count: number, privateKeys: number, language?: string): string => {
  if (privateKeys === 0) return '';
  if (language === 'ru') {
    const keys = privateKeys === 1 ? 'закрытый ключ' : `${privateKeys} ${russianKeys(privateKeys)}`;
    return privateKeys === count ? `: ${keys}` : `, среди них ${keys}`;
  }
  const keys = privateKeys === 1 ? 'a private key' : `${privateKeys} private keys`;
  return privateKeys === count ? `: ${keys}` : `, ${keys} among them`;
};

/** «2 закрытых ключа», «5 закрытых ключей», «21 закрытый ключ»: the noun's form for the number (CLDR's Russian plural rules). */
const RUSSIAN_KEYS: Readonly<Partial<Record<Intl.LDMLPluralRule, string>>> = { one: 'закрытый ключ', few: 'закрытых ключа', many: 'закрытых ключей' };
const russianKeys = (n: number): string => RUSSIAN_KEYS[new Intl.PluralRules('ru').select(n)] ?? 'закрытых ключей';

const VAULTED_NOTES: Readonly<Record<VaultedFrom, (count: string, language?: string) => string>> = {
  message: (count, language) =>
    language === 'ru'
      ? `Ваше сообщение содержало данные для доступа${count}. Мы перенесли их в защищённое хранилище и скрыли в переписке; сотрудники поддержки могут ими воспользоваться.`
      : `Your message contained access particulars${count}. We moved them to our secure vault and masked them in this thread; support staff can still use them.`,
  request: (count, language) =>
    language === 'ru'
      ? `Ваше обращение содержало данные для доступа${count}. Мы перенесли их в защищённое хранилище и скрыли в обращении; сотрудники поддержки могут ими воспользоваться.`
      : `Your request contained access particulars${count}. We moved them to our secure vault and masked them in the request; support staff can still use them.`,
  rating_comment: (count, language) =>
    language === 'ru'
      ? `Комментарий к вашей оценке содержал данные для доступа${count}. Мы перенесли их в защищённое хранилище и удалили из комментария; сотрудники поддержки могут ими воспользоваться.`
      : `The comment you gave with your rating contained access particulars${count}. We moved them to our secure vault and removed them from the comment; support staff can still use them.`,
  file_name: (count, language) =>
    language === 'ru'
      ? `Имя отправленного вами файла содержало данные для доступа${count}. Мы перенесли их в защищённое хранилище и скрыли в имени файла; сотрудники поддержки могут ими воспользоваться.`
      : `The name of a file you sent contained access particulars${count}. We moved them to our secure vault and masked them in the file's name; support staff can still use them.`,
};

/**
 * The note the thread gets when particulars were moved out of the requester's text (P9: "the
 * requester is told"), naming that text as they wrote it: a message, the request, or the comment of
 * a "not solved" rating, which the thread does not show (docs/adr/0026, addendum of 2026-12-04, sixth session).
 * `advise: false` on a resolved ticket: "change them once resolved" would be untrue there; the
 * deadline's note says what to do (addendum of 2026-12-05, third session).
 */
export const vaultedNote = (count: number, language?: string, from: VaultedFrom = 'message', advise = true, privateKeys = 0): string =>
  advised(VAULTED_NOTES[from](counted(count, privateKeys, language), language), inLanguage(CHANGE_ONCE_RESOLVED, language), advise);

/**
 * The thread's note when another mail sender's message (a colleague of the requester's, ADR 0035)
 * held particulars: the requester reads the thread, so it names whose message it was instead of
 * "your message" (docs/adr/0026, addendum of 2026-12-04, sixth session). The sender's address is on
 * their message already.
 */
export const vaultedFromSenderNote = (
  count: number,
  sender: string,
  language?: string,
  from: 'message' | 'file_name' = 'message',
  advise = true,
  privateKeys = 0,
): string => {
  const n = counted(count, privateKeys, language);
  const note =
    from === 'file_name'
      ? language === 'ru'
        ? `Имя файла в сообщении от ${sender} содержало данные для доступа${n}. Мы перенесли их в защищённое хранилище и скрыли в имени файла; сотрудники поддержки могут ими воспользоваться.`
        : `The name of a file in the message from ${sender} contained access particulars${n}. We moved them to our secure vault and masked them in the file's name; support staff can still use them.`
      : language === 'ru'
        ? `Сообщение от ${sender} содержало данные для доступа${n}. Мы перенесли их в защищённое хранилище и скрыли в переписке; сотрудники поддержки могут ими воспользоваться.`
        : `The message from ${sender} contained access particulars${n}. We moved them to our secure vault and masked them in this thread; support staff can still use them.`;
  return advised(note, inLanguage(OWNER_CHANGES_ONCE_RESOLVED, language), advise);
};

/**
 * To the agent whose own text held particulars (P9): a public answer is read by the requester and
 * carried by mail; an internal note is neither, and its particulars are staff-only as it is.
 */
export const vaultedByAgentNote = (count: number, visibility: CredentialVisibility = 'public', from: 'message' | 'file_name' = 'message', privateKeys = 0): string =>
  from === 'file_name'
    ? `The name of a file you sent contained access particulars${counted(count, privateKeys)}. They were moved to the ticket's vault and masked in the file's name: staff reveal them from the vault.${visibility === 'public' ? ' Give the requester particulars another way, never in a file or its name.' : ''}`
    : visibility === 'internal'
    ? `Your internal note contained access particulars${counted(count, privateKeys)}. They were moved to the ticket's vault, for staff only as the note is, and masked in the note: staff reveal them from the vault.`
    : `Your message contained access particulars${counted(count, privateKeys)}. They were moved to the ticket's vault and masked in the thread, which the requester reads and mail carries: staff reveal them from the vault. Give the requester particulars another way, never in the thread.`;

/** To the agent, on a resolved ticket: what they handed over goes with the resolution's credentials (P9). */
export const vaultedByAgentDeadlineNote = (destroyAt: Date): string =>
  `The ticket is resolved: these particulars are destroyed with its other credentials by ${utcMinuteNotBefore(destroyAt)}.`;

const MINUTE_MS = 60_000;

/**
 * P9: the deadline as the requester reads it, to the minute, rounded up: a minute cut down would
 * name a moment before the destruction (docs/adr/0026, addendum of 2026-12-04, fifth session).
 */
const utcMinuteNotBefore = (at: Date): string =>
  `${new Date(Math.ceil(at.getTime() / MINUTE_MS) * MINUTE_MS).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** P9: "the requester is told to change them when the ticket is resolved". */
export const changeCredentialsNote = (destroyAt: Date, language?: string): string =>
  language === 'ru'
    ? `Обращение решено. Данные для доступа, которые вы нам передали, будут уничтожены не позднее ${utcMinuteNotBefore(destroyAt)}. Пожалуйста, смените эти пароли сейчас.`
    : `This ticket is resolved. The access particulars you gave us will be destroyed by ${utcMinuteNotBefore(destroyAt)}. Please change those passwords now.`;

/** P9: particulars handed over after the resolution are due with its particulars; the requester is told to change them too. */
export const credentialsAfterResolutionNote = (destroyAt: Date, language?: string): string =>
  language === 'ru'
    ? `Обращение решено. Данные для доступа, переданные после его решения, будут уничтожены не позднее ${utcMinuteNotBefore(destroyAt)}. Пожалуйста, смените эти пароли сейчас.`
    : `This ticket is resolved. The access particulars handed over after its resolution will be destroyed by ${utcMinuteNotBefore(destroyAt)}. Please change those passwords now.`;

/**
 * Tells the requester, in the thread, to change the particulars the ticket holds (P9). The
 * resolution mail could say it too once `ticket.resolved` carries it (see docs/adr/0026).
 */
export const tellRequesterToChangeCredentials = async (
  tx: EntityManager,
  ticket: { id: string; partnerId: string; channel: Channel; language?: string },
  destroyAt: Date,
  now: Date,
): Promise<void> => postPublicSystemNote(tx, ticket, changeCredentialsNote(destroyAt, ticket.language), now);

/** A note of the platform's own in the ticket's public thread. */
const postPublicSystemNote = async (tx: EntityManager, ticket: { id: string; partnerId: string; channel: Channel }, body: string, now: Date): Promise<void> => {
  await messageStore.insert(tx, {
    id: randomUUID(),
    ticketId: ticket.id,
    partnerId: ticket.partnerId,
    author: { kind: 'system' },
    visibility: 'public',
    channel: ticket.channel,
    body,
    attachmentIds: [],
    createdAt: now,
  });
};

/** P11, for the reopen use case: the ticket is worked on again, so its credentials stay until it is resolved again. */
export const onTicketReopened = async (tx: EntityManager, deps: CredentialDeps, input: { ticketId: string }): Promise<void> => {
  await deps.timers.cancel(tx, destroyTimerId(input.ticketId));
  await credentialStore.setDestroyAfter(tx, input.ticketId, null);
};

/**
 * The destruction timer: every live credential of the ticket loses its data key and sealed
 * secret, with an audit entry and a `ticket.credentials_destroyed` event each, in the timer's
 * transaction; an internal note's credential gets a staff-only audit entry and no event, which
 * every webhook endpoint of the partner would receive (P9). A ticket reopened in the meantime
 * keeps them (its timer is normally cancelled).
 */
export const destroyTicketCredentials = async (tx: EntityManager, deps: CredentialDeps, input: { ticketId: string; partnerId: string }): Promise<CredentialMetadata[]> => {
  const locked = await ticketStore.lockForChange(tx, input.partnerId, input.ticketId);
  if (!locked) throw new Error(`credentials destruction: no ticket ${input.ticketId} of partner ${input.partnerId}`);
  const ticket = await credentialStore.ticket(tx, input.ticketId);
  if (ticket?.status !== 'resolved' && ticket?.status !== 'closed') {
    deps.logger.info({ ticketId: input.ticketId, status: ticket?.status }, 'credentials kept: the ticket was reopened');
    return [];
  }
  const now = deps.clock.now();
  const destroyed = await credentialStore.destroyLive(tx, input.ticketId, now);
  if (destroyed.length === 0) return [];
  const shared = destroyed.filter((c) => c.visibility === 'public');
  let nextSequence = 0;
  if (shared.length > 0) {
    const published = await publishTicketChange(
      tx,
      deps.outbox,
      locked,
      shared.map((c) => ({ kind: 'credentials_destroyed' as const, credentialId: c.id })),
      now,
    );
    nextSequence = published.sequence - shared.length + 1;
  }
  await historyStore.append(
    tx,
    ...destroyed.map((c) => ({
      ticketId: input.ticketId,
      partnerId: input.partnerId,
      at: now,
      actor: SYSTEM_ACTOR,
      action: 'credentials_destroyed',
      detail: { credentialId: c.id, label: c.label },
      visibility: c.visibility,
      ...(c.visibility === 'public' ? { sequence: nextSequence++ } : {}),
    })),
  );
  deps.logger.info({ ticketId: input.ticketId, destroyed: destroyed.length }, 'credentials destroyed');
  return destroyed;
};

const isDestroyPayload = (payload: unknown): payload is { ticketId: string; partnerId: string } =>
  typeof payload === 'object' && payload !== null && typeof (payload as { ticketId?: unknown }).ticketId === 'string' && typeof (payload as { partnerId?: unknown }).partnerId === 'string';

/** The handler of `credentials.destroy` timers. */
export const credentialsDestroyTimer =
  (deps: CredentialDeps) =>
  async (timer: FiredTimer, tx: EntityManager): Promise<void> => {
    if (!isDestroyPayload(timer.payload)) throw new Error(`timer ${timer.id}: payload without ticketId and partnerId`);
    await destroyTicketCredentials(tx, deps, timer.payload);
  };
