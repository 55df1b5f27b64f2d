import { findPrivateKeys } from './private-key-detection';
import { findKeyRemainders } from './private-key-remainders';

/**
 * P9: requesters paste access particulars into messages. This finds them (English and Russian
 * phrasings) so the use case can move them into the vault and mask them in the thread.
 *
 * Precision matters as much as recall: "forgot password page" or "пароль не приходит" must stay as
 * written. So a value is taken only after an explicit separator (`password: …`, `login/pass …`),
 * or, without one, when it looks like a secret (digits, symbols, mixed case) rather than a word;
 * never when it is a common word of prose ("Your password: should be changed"). An API key or a
 * token after its label (`API key: …`, `token=…`, `Bearer …`) must look generated either way. A
 * private key (a PEM, PGP or PuTTY block) is one finding, the whole block (private-key-detection.ts).
 * The heuristics and their limits are in docs/adr/0026-credentials-vault.md.
 */

/** Access particulars found in a text: the span to mask and what to keep in the vault. */
export interface FoundCredential {
  /** Offsets in the text (UTF-16 code units) of everything to mask, keywords included. */
  start: number;
  end: number;
  login?: string;
  secret: string;
  /**
   * A private key's kind, as its block names it ("RSA private key", "PGP private key block",
   * "PuTTY private key"): the vault keeps it as the credential's note, and the author is told a key
   * was among the particulars (docs/adr/0026, addendum of 2026-12-05, fifth session).
   */
  keyKind?: string;
}

// Every pattern here runs in time linear in the text (docs/adr/0061-linear-time-text-patterns.md):
// no two quantifiers in a row may share a run of characters. `${H}*[:=]?${H}*` tries every split
// of a run of blanks before it fails, quadratic in the run: 100,000 spaces after "user" held the
// event loop for 14 s. So one quantifier takes a run of blanks, and what must follow it (a
// separator, a keyword, a value) never starts with a blank: a failure costs one step per blank.
const NOT_AFTER_LETTER = '(?<![\\p{L}\\p{N}_])';
const NOT_BEFORE_LETTER = '(?![\\p{L}\\p{N}_])';
const H = '[ \\t]';
// Longer alternatives first: the regex engine takes the first alternative that fits.
const PASSWORD_WORD = '(?:password|passwd|passphrase|passcode|pass|pwd|pw|пароль|пасс)';
const LOGIN_WORD =
  '(?:username|user\\s?name|user\\s?id|login|log-in|user|e-?mail|логин|имя\\s+пользователя|пользователь|учётная\\s+запись|учетная\\s+запись|учётка|учетка|почта)';
/**
 * Labels of machine-made secrets: API keys, access keys, tokens, client secrets. "Access token",
 * "client secret", "bearer token" end in "token" or "secret"; a bare "key" is not one of them (a
 * licence key, a keyboard key).
 */
const KEY_WORD =
  '(?:api[ _-]?key|apikey|api[ _-]?ключ|апи[ _-]?ключ|ключ[ _]api|access[ _-]?key|secret[ _-]?key|секретный[ _]ключ|ключ[ _]доступа|token|secret|bearer|токен)';
// A key's label may end an environment variable's name (`STRIPE_API_KEY=…`): "_" may come before it.
const NOT_AFTER_LETTER_OR_DIGIT = '(?<![\\p{L}\\p{N}])';
const PREPOSITION = '(?:for|to|of|on|at|от|для|к|на)';
const QUOTED = '"([^"\\n]{1,200})"|\'([^\'\\n]{1,200})\'|«([^»\\n]{1,200})»|`([^`\\n]{1,200})`';
const UNQUOTED = '([^\\s]{1,200})';
const VALUE = `(?:${QUOTED}|${UNQUOTED})`;

/** `password: x`, `пароль = x`, `password for the admin panel: x`, `пароль от кабинета: x`. */
const KEYED_PASSWORD = new RegExp(
  `${NOT_AFTER_LETTER}${PASSWORD_WORD}${NOT_BEFORE_LETTER}(?:${H}+${PREPOSITION}(?:${H}+[^\\s:=]+){1,4}?)?${H}*([:=])${H}*${VALUE}`,
  'giu',
);
/** `login/pass: admin/qwerty`, `логин/пароль admin qwerty`, `user|pass admin:qwerty`. */
const LOGIN_SLASH_PASSWORD = new RegExp(
  `${NOT_AFTER_LETTER}${LOGIN_WORD}${H}*[/\\\\|]${H}*${PASSWORD_WORD}${NOT_BEFORE_LETTER}${H}*(?:[:=\\-–—]${H}*)?([^\\s/:,;|]{1,200})(?:${H}*[/:,;|]${H}*|${H}+)([^\\s]{1,200})`,
  'giu',
);
/** `login: admin password: x`, `Login: admin\nPassword: x`, `логин admin пароль qwerty`. */
const LOGIN_THEN_PASSWORD = new RegExp(
  `${NOT_AFTER_LETTER}(${LOGIN_WORD})${NOT_BEFORE_LETTER}(?:${H}*[:=]${H}*|${H}+)([^\\s,;]{1,200})[,;]?\\s{1,3}(?:(?:and|и|а)${H}+)?${PASSWORD_WORD}${NOT_BEFORE_LETTER}(?:${H}*([:=])${H}*|${H}+(?:(is|—|–|-)${H}+)?)${VALUE}`,
  'giu',
);
/** `my password is Qwerty123`, `пароль — qwerty123`, `пароль 12345678 не подходит`: only values that look like secrets. */
const BARE_PASSWORD = new RegExp(`${NOT_AFTER_LETTER}(${PASSWORD_WORD})${NOT_BEFORE_LETTER}(?:${H}+(is|was|это|будет|—|–|-))?${H}+${VALUE}`, 'giu');
/** `API key: sk_live_…`, `api_key=…`, `client secret for the portal: …`, `токен: …`. */
const KEYED_KEY = new RegExp(
  `${NOT_AFTER_LETTER_OR_DIGIT}${KEY_WORD}${NOT_BEFORE_LETTER}(?:${H}+${PREPOSITION}(?:${H}+[^\\s:=]+){1,4}?)?${H}*([:=])${H}*${VALUE}`,
  'giu',
);
/** `my API key is sk_test_…`, `Bearer eyJ…`, `токен 1a2b3c…`: only values that look generated. */
const BARE_KEY = new RegExp(`${NOT_AFTER_LETTER_OR_DIGIT}${KEY_WORD}${NOT_BEFORE_LETTER}(?:${H}+(is|was|это|—|–|-))?${H}+${VALUE}`, 'giu');
/** Keys and tokens are made by machines: long, and never a word ("Token: expired", "TKN-1234"). */
const MIN_KEY_LENGTH = 8;
const MIN_BARE_KEY_LENGTH = 16;

/**
 * `https://admin:secret@host/`: the user-info part of a URL. The match starts at `://` and looks
 * behind it for the scheme: tried from every word start, `\b[a-z][a-z0-9+.-]*:` rescanned a long
 * dotted or hyphenated word once per part of it ("a.a.a.…", quadratic). The look-behind comes
 * after `://`, so it runs only there, not at every character.
 */
const URL_USER_INFO = /:\/\/(?<=\b[a-z][a-z0-9+.-]*:\/\/)([^\s:/@]{1,200}):([^\s/@]{1,200})@/giu;

/** Words that follow "password:" in ordinary prose; never taken for a secret. */
const NOT_SECRETS = new Set(
  [
    // English
    'is', 'was', 'are', 'be', 'not', 'no', 'none', 'n/a', 'na', 'null', 'empty', 'the', 'a', 'an', 'my', 'your', 'our', 'this', 'that', 'it', "it's", 'its',
    'for', 'to', 'of', 'and', 'or', 'in', 'on', 'at', 'with', 'reset', 'forgot', 'forgotten', 'change', 'changed', 'changing', 'recovery', 'recover',
    'field', 'page', 'form', 'required', 'incorrect', 'wrong', 'invalid', 'expired', 'does', "doesn't", "don't", "isn't", "can't", 'cannot', 'please',
    'here', 'below', 'above', 'see', 'same', 'unknown', 'missing', 'attached', 'sent', 'hidden', 'yes', 'ok', 'link', 'email', 'e-mail', 'mail',
    'rejected', 'error', 'requirements', 'policy', 'login', 'user', 'username', 'password',
    // Russian
    'не', 'нет', 'и', 'или', 'от', 'для', 'на', 'в', 'во', 'к', 'с', 'со', 'по', 'это', 'был', 'была', 'было', 'будет', 'мой', 'моя', 'мое', 'моё', 'ваш', 'наш',
    'неверный', 'неправильный', 'сброс', 'восстановление', 'забыл', 'забыла', 'приходит', 'пришел', 'пришёл', 'пустой', 'ниже', 'выше', 'см', 'тот', 'же',
    'такой', 'отправил', 'отправила', 'прикреплен', 'указан', 'есть', 'нужен', 'нужно', 'сменить', 'поменять', 'ошибка', 'логин', 'пароль', 'почта',
  ].map((w) => w.toLocaleLowerCase('ru')),
);

/**
 * Common words that start a clause: after "password:" they are prose, not a password ("Your
 * password: should be changed", "My password: is not accepted"), whoever wrote it. Nouns and
 * adjectives people choose as passwords ("secret", "dragon", "welcome") are not here: after a
 * separator they stay values. Values only: `login/pass: new/Qwerty1` keeps its login.
 */
const PROSE_NOT_SECRETS = new Set(
  [
    // English
    'should', 'would', 'could', 'must', 'will', 'shall', 'can', 'may', 'might', 'has', 'have', 'had', 'been', 'being', 'were', 'am', 'do', 'did', 'done',
    "won't", "wouldn't", "shouldn't", "couldn't", "hasn't", "haven't", "hadn't", "wasn't", "weren't", "aren't", "didn't", 'need', 'needs', 'needed',
    'keeps', 'kept', 'seems', 'seemed', 'works', 'worked', 'working', 'fails', 'failed', 'failing', 'stopped', 'stops', 'expires', 'expire', 'contains',
    'still', 'also', 'just', 'only', 'now', 'then', 'again', 'always', 'never', 'already', 'yet', 'so', 'but', 'if', 'when', 'because', 'since', 'as',
    'by', 'from', 'into', 'after', 'before', 'until', 'while', 'about', 'via', 'without', 'i', 'we', 'you', 'he', 'she', 'they', 'me', 'us', 'him',
    'them', 'his', 'her', 'their', 'these', 'those', 'which', 'what', 'who', 'how', 'why', 'where', 'there', 'all', 'any', 'some', 'each', 'every',
    'both', 'nothing', 'something', 'too', 'very', 'new', 'old', 'current', 'default', 'temporary', 'correct', 'shown', 'accepted', 'set', 'saved',
    'updated', 'stored', 'masked', 'redacted', 'removed', 'lost', 'blank', 'given', 'provided', 'locked', 'blocked', 'disabled', 'revoked', 'valid',
    // Russian
    'должен', 'должна', 'следует', 'надо', 'можно', 'нельзя', 'уже', 'тоже', 'также', 'снова', 'опять', 'только', 'сейчас', 'теперь', 'истёк', 'истек',
    'устарел', 'сброшен', 'изменён', 'изменен', 'сменён', 'сменен', 'работает', 'подходит', 'принимается', 'новый', 'старый', 'временный', 'всё', 'все',
    'как', 'что', 'где', 'когда', 'если', 'но', 'так', 'здесь', 'там', 'вы', 'я', 'мы', 'он', 'она', 'они',
  ].map((w) => w.toLocaleLowerCase('ru')),
);

// Already masked by the requester, or by us: `********`, `[credentials stored securely …]`.
const PLACEHOLDER_LIKE = /^[*•x.\-_]+$|^\[credentials$/iu;

const wordOf = (value: string): string => value.toLocaleLowerCase('ru').replace(/[.,;:!?)]+$/u, '');

/** A login that is a word of prose ("user: the …", "login: is"), or a placeholder. */
const isNotALogin = (value: string): boolean => NOT_SECRETS.has(wordOf(value)) || PLACEHOLDER_LIKE.test(value);

const isNotASecret = (value: string): boolean => isNotALogin(value) || PROSE_NOT_SECRETS.has(wordOf(value));

/** Without a separator a value must look like a secret: a word ("page", "не") never does. */
const looksLikeSecret = (value: string, minLength: number, latinAfterRussianKeyword: boolean): boolean => {
  if (value.length < minLength || isNotASecret(value)) return false;
  const hasDigit = /\p{N}/u.test(value);
  const hasSymbol = /[^\p{L}\p{N}'’-]/u.test(value);
  // Inner capitals: a capital after a lower-case letter ("qWerty"), or two capitals before one
  // ("QWerty"). Two searches decide it: a capital after the first lower-case letter, or else (every
  // capital being before it) two capitals in a row. `/\p{Lu}{2,}.*\p{Ll}/` backtracked cubically
  // over a run of capitals: 4 ms for each 200-character value, 35 s for a 2 MB message of them.
  const firstLower = value.search(/\p{Ll}/u);
  const innerUpper = firstLower !== -1 && (/\p{Lu}/u.test(value.slice(firstLower + 1)) || /\p{Lu}{2}/u.test(value));
  // In Russian text a Latin token after «пароль»/«логин» is typed on the other layout: a value, not a word.
  const latinOnly = latinAfterRussianKeyword && /^[A-Za-z]+$/.test(value);
  return hasDigit || hasSymbol || innerUpper || latinOnly;
};

const isCyrillic = (word: string): boolean => /\p{Script=Cyrillic}/u.test(word);

/** Trailing sentence punctuation is not part of an unquoted value ("password: qwerty123."). */
const trimUnquoted = (value: string, separator?: string): string => {
  const cut = separator === '=' ? value.split(/[;&]/u)[0] : value;
  return cut.replace(/[.,;]+$/u, '');
};

/** The value of a VALUE group at `index` in the match: quoted (whole quotes masked) or unquoted (trimmed). */
const valueAt = (match: RegExpExecArray, index: number, separator?: string): { value: string; quoted: boolean } | undefined => {
  for (let i = index; i < index + 4; i += 1) if (match[i] !== undefined) return { value: match[i], quoted: true };
  const unquoted = match[index + 4];
  return unquoted === undefined ? undefined : { value: trimUnquoted(unquoted, separator), quoted: false };
};

/** End of the match once an unquoted value's trimmed tail is given back to the text. */
const endOf = (match: RegExpExecArray, value: { value: string; quoted: boolean }, rawValue: string | undefined): number =>
  match.index + match[0].length - (value.quoted || rawValue === undefined ? 0 : rawValue.length - value.value.length);

const candidates = (text: string): FoundCredential[] => {
  const found: FoundCredential[] = [];
  for (const m of text.matchAll(KEYED_PASSWORD)) {
    const separator = m[1];
    const value = valueAt(m, 2, separator);
    if (!value || value.value.length < 3 || (!value.quoted && isNotASecret(value.value))) continue;
    found.push({ start: m.index, end: endOf(m, value, m[6]), secret: value.value });
  }
  for (const m of text.matchAll(LOGIN_SLASH_PASSWORD)) {
    const login = m[1];
    const secret = trimUnquoted(m[2]);
    if (isNotALogin(login) || secret.length < 3 || isNotASecret(secret)) continue;
    found.push({ start: m.index, end: m.index + m[0].length - (m[2].length - secret.length), login, secret });
  }
  for (const m of text.matchAll(LOGIN_THEN_PASSWORD)) {
    const [, keyword, rawLogin, separator, connector] = m;
    const login = trimUnquoted(rawLogin);
    const value = valueAt(m, 5, separator);
    // "Login fails, password: …": without a separator after the keyword, a word of prose is no login.
    const loginAfterSeparator = /[:=]/u.test(m[0].slice(keyword.length, m[0].indexOf(rawLogin, keyword.length)));
    if (!value || isNotALogin(login) || login.length === 0 || (!loginAfterSeparator && isNotASecret(login))) continue;
    const explicit = separator !== undefined || value.quoted;
    const accepted = explicit ? value.value.length >= 3 && !isNotASecret(value.value) : looksLikeSecret(value.value, connector ? 4 : 3, isCyrillic(keyword));
    if (!accepted) continue;
    found.push({ start: m.index, end: endOf(m, value, m[9]), login, secret: value.value });
  }
  for (const m of text.matchAll(BARE_PASSWORD)) {
    const [, keyword, connector] = m;
    const value = valueAt(m, 3);
    if (!value || !looksLikeSecret(value.value, connector ? 4 : 6, isCyrillic(keyword) && connector !== undefined)) continue;
    found.push({ start: m.index, end: endOf(m, value, m[7]), secret: value.value });
  }
  for (const m of text.matchAll(KEYED_KEY)) {
    const value = valueAt(m, 2, m[1]);
    if (!value || !looksLikeSecret(value.value, MIN_KEY_LENGTH, false)) continue;
    found.push({ start: m.index, end: endOf(m, value, m[6]), secret: value.value });
  }
  for (const m of text.matchAll(BARE_KEY)) {
    const value = valueAt(m, 2);
    if (!value || !looksLikeSecret(value.value, MIN_BARE_KEY_LENGTH, false)) continue;
    found.push({ start: m.index, end: endOf(m, value, m[6]), secret: value.value });
  }
  for (const m of text.matchAll(URL_USER_INFO)) {
    const [whole, login, secret] = m;
    found.push({ start: m.index + '://'.length, end: m.index + whole.length - 1, login, secret });
  }
  return found;
};

/**
 * The findings of `sorted` (by start) that overlap none of `keys` (by start, disjoint): a label just
 * before a key ("Token: -----BEGIN …", "password: -----BEGIN …") would otherwise take the block's
 * first line for its value and leave the rest of the key in clear. One pass, pointers forward.
 */
const outsideKeys = (sorted: readonly FoundCredential[], keys: readonly FoundCredential[]): FoundCredential[] => {
  let k = 0;
  return sorted.filter((c) => {
    while (k < keys.length && keys[k].end <= c.start) k += 1;
    return !(k < keys.length && keys[k].start < c.end);
  });
};

/** Two lists of findings, each by start and without overlaps, and none overlapping the other: one list by start. */
const merged = (a: readonly FoundCredential[], b: readonly FoundCredential[]): FoundCredential[] => {
  const all: FoundCredential[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) all.push(j >= b.length || (i < a.length && a[i].start < b[j].start) ? a[i++] : b[j++]);
  return all;
};

/**
 * Access particulars in `text`, in order, without overlaps. A private key's block wins over any
 * finding that overlaps it; of the others, where two overlap the one that starts first wins, and of
 * two that start together the longer (a login and password pair over its password alone).
 */
export const findCredentials = (text: string): FoundCredential[] => {
  const keys = findPrivateKeys(text);
  const sorted = outsideKeys(
    candidates(text).sort((a, b) => a.start - b.start || b.end - a.end),
    keys,
  );
  const kept: FoundCredential[] = [];
  for (const c of sorted) {
    const last = kept[kept.length - 1];
    if (last && c.start < last.end) {
      // A pair that starts inside the span kept so far but reaches further replaces the shorter finding.
      if (c.login && !last.login && c.end > last.end && c.start <= last.start) kept[kept.length - 1] = c;
      continue;
    }
    kept.push(c);
  }
  return keys.length === 0 ? kept : merged(kept, keys);
};

/** `text` with each finding replaced by `replacement(finding, index)`. */
export const maskCredentials = (text: string, found: readonly FoundCredential[], replacement: (finding: FoundCredential, index: number) => string): string => {
  let masked = '';
  let at = 0;
  found.forEach((finding, index) => {
    masked += text.slice(at, finding.start) + replacement(finding, index);
    at = finding.end;
  });
  return masked + text.slice(at);
};

/** What stands in for access particulars that are removed, not vaulted (P9: quarantined mail, a rating's comment). */
export const REMOVED_PARTICULARS = '[access particulars removed]';

/**
 * P9: access particulars are never shown in threads, logs or lists, and destroying them must hold
 * against copies. Text a service keeps outside intake's vault (inbound mail at notification, a
 * rating's comment at rating) keeps none: each is replaced by `[access particulars removed]`. Those
 * that must reach the vault travel to intake in an event's `inTransit` data only (docs/adr/0070).
 */
export const withoutAccessParticulars = (text: string): string => {
  const found = findCredentials(text);
  return found.length === 0 ? text : maskCredentials(text, found, () => REMOVED_PARTICULARS);
};

/**
 * A file name's stem and extension (`.png`, the last dot's, when letters or digits follow it):
 * detection reads the stem, so `password FilePw#1122.png` finds `FilePw#1122`, and a masked name
 * keeps its extension. A name that starts with its only dot (`.profile`) is all stem.
 */
export const fileNameParts = (name: string): { stem: string; extension: string } => {
  const extension = /\.[\p{L}\p{N}]{1,10}$/u.exec(name);
  return !extension || extension.index === 0 ? { stem: name, extension: '' } : { stem: name.slice(0, extension.index), extension: extension[0] };
};

/**
 * P9 for a file name kept outside intake's vault (an inbound mail's, at notification): each
 * particular in its stem replaced by `[access particulars removed]`, its extension kept.
 */
export const fileNameWithoutAccessParticulars = (name: string): string => {
  const { stem, extension } = fileNameParts(name);
  const masked = withoutAccessParticulars(stem);
  return masked === stem ? name : `${masked}${extension}`;
};

/** `value` with every string passed through `mask`, keys and shape unchanged; the very same value when nothing changed. */
const jsonMasked = (value: unknown, mask: (text: string) => string): unknown => {
  if (typeof value === 'string') return mask(value);
  if (Array.isArray(value)) {
    const items = value.map((item) => jsonMasked(item, mask));
    return items.some((item, i) => item !== value[i]) ? items : value;
  }
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value).map(([key, item]) => [key, jsonMasked(item, mask)] as const);
  return entries.some(([key, item]) => item !== (value as Record<string, unknown>)[key]) ? Object.fromEntries(entries) : value;
};

/**
 * P9 for JSON kept as it was written (an event's data, a webhook body, a history entry's detail):
 * `value` with every string passed through `withoutAccessParticulars`, keys and shape unchanged.
 * The very same value when nothing was found, so a caller writes back only what changed.
 */
export const jsonWithoutAccessParticulars = (value: unknown): unknown => jsonMasked(value, withoutAccessParticulars);

/**
 * P9 for text kept before private keys were particulars (docs/adr/0026, addendum of 2026-12-05,
 * fifth session): each private key's block replaced by `[access particulars removed]`, and nothing
 * else. The upgrade that masks them takes out what the detection now adds, not what older masking
 * migrations left as the detection of their day found it.
 */
export const withoutPrivateKeys = (text: string): string => {
  const found = findPrivateKeys(text);
  return found.length === 0 ? text : maskCredentials(text, found, () => REMOVED_PARTICULARS);
};

/** `jsonWithoutAccessParticulars` for private keys only: every string through `withoutPrivateKeys`, the very same value when nothing changed. */
export const jsonWithoutPrivateKeys = (value: unknown): unknown => jsonMasked(value, withoutPrivateKeys);

/** A placeholder an older release's masking put where a key's "-----BEGIN" went, blanks after it. */
const PLACEHOLDER_BEFORE = /(\[access particulars removed\]|\[credentials stored securely: TSS vault #[0-9a-f]{8}\])[ \t]*(?:\r?\n[ \t]*)?$/;
const PLACEHOLDER_REACH = 80;

/**
 * P9 for text kept by older releases (docs/adr/0026, addendum of 2026-12-05, sixth session): each
 * private key's block removed as `withoutPrivateKeys` removes it, then each headless remainder of a
 * key an older release half-masked as a password's value (`findKeyRemainders`). A remainder right
 * after that release's placeholder goes with the blanks before it, the placeholder standing for the
 * whole key ("password: [access particulars removed]"); elsewhere it is replaced by
 * `[access particulars removed]`. For upgrades: nothing else of the text changes.
 */
export const withoutKeptPrivateKeys = (text: string): string => {
  const keyless = withoutPrivateKeys(text);
  const remainders = findKeyRemainders(keyless);
  if (remainders.length === 0) return keyless;
  const spans = remainders.map(({ start, end }) => {
    const placeholder = PLACEHOLDER_BEFORE.exec(keyless.slice(Math.max(0, start - PLACEHOLDER_REACH), start));
    const blanks = placeholder ? placeholder[0].length - placeholder[1].length : 0;
    return { start: start - blanks, end, secret: '', afterPlaceholder: placeholder !== null };
  });
  return maskCredentials(keyless, spans, (_, i) => (spans[i].afterPlaceholder ? '' : REMOVED_PARTICULARS));
};

/** `withoutKeptPrivateKeys` over every string of `value`, keys and shape unchanged; the very same value when nothing changed. */
export const jsonWithoutKeptPrivateKeys = (value: unknown): unknown => jsonMasked(value, withoutKeptPrivateKeys);
