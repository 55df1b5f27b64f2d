import type { FoundCredential } from './credential-detection';

/**
 * P9: a private key pasted into a text is an access particular (docs/adr/0026, addendum of
 * 2026-12-05, fifth session): a PEM block (`-----BEGIN RSA PRIVATE KEY-----` … `-----END … PRIVATE
 * KEY-----`, also EC, DSA, OpenSSH, PKCS #8 plain and encrypted), a PGP private key block and a
 * PuTTY key file (`PuTTY-User-Key-File-…` with its `Private-Lines:`). Each is one finding: the
 * whole block, its first line to its last, is the secret, and its kind is kept for the vault's note.
 * Public keys and certificates (`BEGIN PUBLIC KEY`, `BEGIN CERTIFICATE`) open nothing and stay.
 *
 * Every scan here is linear in the text (docs/adr/0061): each pattern is a fixed header matched
 * once per occurrence, the block's end is found by pointers that only move forward, and the body of
 * a block without its END line is read token by token, each token once.
 */

/** `-----BEGIN RSA PRIVATE KEY-----`, `-----BEGIN PGP PRIVATE KEY BLOCK-----`, `---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----`. */
const PEM_BEGIN = /-{4,5} ?BEGIN ((?:[A-Z0-9]{1,20} ){0,2})PRIVATE KEY( BLOCK)? ?-{4,5}/g;
const PEM_END = /-{4,5} ?END (?:[A-Z0-9]{1,20} ){0,2}PRIVATE KEY(?: BLOCK)? ?-{4,5}/g;
/** A PuTTY key file: its header, the count of its private lines, and the MAC (Hash in version 1) that ends it. */
const PUTTY_BEGIN = /PuTTY-User-Key-File-\d{1,2}:/g;
const PUTTY_PRIVATE_LINES = /Private-Lines:[ \t]*\d{1,5}/g;
const PUTTY_END = /Private-(?:MAC|Hash):[ \t]*[0-9a-fA-F]{8,}/g;

/** How the kind is written in the vault's note: `OPENSSH` → "OpenSSH private key". */
const KIND_WORDS: Readonly<Record<string, string>> = { OPENSSH: 'OpenSSH', ENCRYPTED: 'encrypted' };
const pemKindOf = (words: string, block: boolean): string =>
  [...words.split(' ').filter((w) => w !== '').map((w) => KIND_WORDS[w] ?? w), block ? 'private key block' : 'private key'].join(' ');
const PUTTY_KIND = 'PuTTY private key';

/** A run of base64 that is no word: a digit, `+` or `/`, or a capital after a small letter. */
const looksEncoded = (run: string): boolean => /[0-9+/]|[a-z][A-Z]/.test(run);

/** Some key material in `body`: a run of base64 at least `minLength` long that is no word. */
const hasKeyMaterial = (body: string, minLength: number): boolean => {
  for (const [run] of body.matchAll(/[A-Za-z0-9+/]+/g)) if (run.length >= minLength && looksEncoded(run)) return true;
  return false;
};
/** Between a BEGIN and its END, anything encoded: a placeholder ("…", "...") or prose between two header lines is no key. */
const MIN_MATERIAL_WITH_END = 4;
/** Without the END line, the body must start like a key's: a run of base64 no shorter than a quarter line. */
const MIN_MATERIAL_WITHOUT_END = 16;

// A block without its END line (cut, or the rest of the text is the key): its body is read token by
// token, and ends at the first token that is no base64. Laid out in lines, a header line (`Proc-Type:
// 4,ENCRYPTED`, PGP's `Version: …`) may follow the BEGIN line, blank lines may come before the first
// base64 line, and each base64 line stands alone on its line: a line of prose ("Thanks, Ann") or a
// blank line after the key ends it. Pasted into one line, the base64 runs are separated by blanks, and
// sentence punctuation after one ends the key.
const HEADER_LINE = /[ \t]*\r?\n[A-Za-z][A-Za-z0-9-]{0,40}:[^\r\n]*/y;
const FIRST_LINE_OF_BASE64 = /[ \t]*(?:\r?\n[ \t]*)+([A-Za-z0-9+/=]+)(?=[ \t]*(?:\r?\n|$))/y;
const NEXT_LINE_OF_BASE64 = /[ \t]*\r?\n[ \t]*([A-Za-z0-9+/=]+)(?=[ \t]*(?:\r?\n|$))/y;
const RUN_OF_BASE64 = /\s*([A-Za-z0-9+/=]+)(?=\s|$|[.,;](?:\s|$))/y;
const STARTS_WITH_LINE_BREAK = /^[ \t]*\r?\n/;

/** Where the key material of `body` (what follows a BEGIN line, up to the next block) ends, or undefined without any. */
const endOfKeyMaterial = (body: string, headers: boolean): number | undefined => {
  let at = 0;
  let end: number | undefined;
  let material = false;
  const take = (pattern: RegExp): boolean => {
    pattern.lastIndex = at;
    const m = pattern.exec(body);
    if (!m) return false;
    at = pattern.lastIndex;
    end = at;
    material ||= m[1].length >= MIN_MATERIAL_WITHOUT_END && looksEncoded(m[1]);
    return true;
  };
  if (STARTS_WITH_LINE_BREAK.test(body)) {
    for (HEADER_LINE.lastIndex = at; headers && HEADER_LINE.exec(body); HEADER_LINE.lastIndex = at) at = HEADER_LINE.lastIndex;
    if (take(FIRST_LINE_OF_BASE64)) while (take(NEXT_LINE_OF_BASE64));
  } else {
    while (take(RUN_OF_BASE64) && !/[.,;]/.test(body.charAt(at)));
  }
  return material ? end : undefined;
};

interface Mark {
  start: number;
  end: number;
}
const marksOf = (text: string, pattern: RegExp): (Mark & { match: RegExpExecArray })[] =>
  [...text.matchAll(pattern)].map((match) => ({ start: match.index, end: match.index + match[0].length, match }));

/**
 * Blocks opened by `begins` and closed by the first of `ends` before the next opening; a block
 * without one runs to the end of its key material (`cutEnd`). Pointers only move forward.
 */
const blocksOf = (
  text: string,
  begins: readonly (Mark & { match: RegExpExecArray })[],
  ends: readonly Mark[],
  shape: { kindOf: (begin: RegExpExecArray) => string; closed: (begin: Mark, end: Mark) => boolean; cutEnd: (begin: Mark, limit: number) => number | undefined },
): FoundCredential[] => {
  const found: FoundCredential[] = [];
  let e = 0;
  let after = 0;
  begins.forEach((begin, i) => {
    if (begin.start < after) return;
    const limit = i + 1 < begins.length ? begins[i + 1].start : text.length;
    while (e < ends.length && ends[e].start < begin.end) e += 1;
    const end = e < ends.length && ends[e].start < limit ? ends[e] : undefined;
    // An END without key material before it (a placeholder, a header named in prose) closes no key.
    const blockEnd = end && shape.closed(begin, end) ? end.end : shape.cutEnd(begin, limit);
    if (blockEnd === undefined) {
      after = end?.end ?? after;
      return;
    }
    found.push({ start: begin.start, end: blockEnd, secret: text.slice(begin.start, blockEnd), keyKind: shape.kindOf(begin.match) });
    after = blockEnd;
  });
  return found;
};

const pemKeys = (text: string): FoundCredential[] =>
  blocksOf(text, marksOf(text, PEM_BEGIN), marksOf(text, PEM_END), {
    kindOf: (begin) => pemKindOf(begin[1], begin[2] !== undefined),
    closed: (begin, end) => hasKeyMaterial(text.slice(begin.end, end.start), MIN_MATERIAL_WITH_END),
    cutEnd: (begin, limit) => {
      const end = endOfKeyMaterial(text.slice(begin.end, limit), true);
      return end === undefined ? undefined : begin.end + end;
    },
  });

/**
 * PuTTY keys: a header is a key's only with a `Private-Lines:` after it and before the next header;
 * the block ends with its MAC line, or without it, with the private lines' base64.
 */
const puttyKeys = (text: string): FoundCredential[] => {
  const begins = marksOf(text, PUTTY_BEGIN);
  if (begins.length === 0) return [];
  const privateLines = marksOf(text, PUTTY_PRIVATE_LINES);
  let p = 0;
  const keys = begins.flatMap((begin, i) => {
    const limit = i + 1 < begins.length ? begins[i + 1].start : text.length;
    while (p < privateLines.length && privateLines[p].start < begin.end) p += 1;
    return p < privateLines.length && privateLines[p].start < limit ? [{ ...begin, privateLinesEnd: privateLines[p].end }] : [];
  });
  const privateLinesEnd = new Map(keys.map((k) => [k.start, k.privateLinesEnd]));
  return blocksOf(text, keys, marksOf(text, PUTTY_END), {
    kindOf: () => PUTTY_KIND,
    closed: (begin, end) => end.start >= (privateLinesEnd.get(begin.start) ?? end.start),
    cutEnd: (begin, limit) => {
      const from = privateLinesEnd.get(begin.start) ?? begin.end;
      const end = endOfKeyMaterial(text.slice(from, limit), false);
      return end === undefined ? undefined : from + end;
    },
  });
};

/** The private keys in `text`, in order, without overlaps: one finding each, the whole block its secret. */
export const findPrivateKeys = (text: string): FoundCredential[] => {
  const keys = [...pemKeys(text), ...puttyKeys(text)].sort((a, b) => a.start - b.start);
  const kept: FoundCredential[] = [];
  for (const key of keys) if (kept.length === 0 || key.start >= kept[kept.length - 1].end) kept.push(key);
  return kept;
};
