/**
 * P9 (docs/adr/0026, addendum of 2026-12-05, sixth session): what an older release's masking left
 * of a private key it took for a password's value. "password: -----BEGIN RSA PRIVATE KEY-----\n…"
 * lost only "-----BEGIN" (the value ends at the first blank), so the text kept
 * "[access particulars removed] RSA PRIVATE KEY-----", the key's base64 lines and its END line: a
 * block with no BEGIN line, which `findPrivateKeys` does not find. Such a remainder is the key
 * material before an `-----END … PRIVATE KEY-----` line: the base64 lines (or, pasted into one
 * line, the base64 runs) right before it, and above them the armour headers (`Proc-Type:`,
 * `Version:`, …) and the tail of the BEGIN line (`RSA PRIVATE KEY-----`) when they are there. It
 * counts only with key material in it (a run of base64 of 16 or more that is no word), so an END
 * line named in prose stays.
 *
 * For upgrades only: text written now has no remainder (a key wins over a password's value). Linear
 * in the text (docs/adr/0061): each END line is matched once, and the walk back from it stops at the
 * previous one, so every line is read at most once.
 */

export interface KeyRemainder {
  start: number;
  end: number;
}

const PEM_END = /-{4,5} ?END (?:[A-Z0-9]{1,20} ){0,2}PRIVATE KEY(?: BLOCK)? ?-{4,5}/g;
/** The tail a BEGIN line keeps once its "-----BEGIN" went as a password's value, at the end of its line. */
const BEGIN_TAIL = /(?:-{4,5} ?BEGIN )?(?:[A-Z0-9]{1,20} ){0,2}PRIVATE KEY(?: BLOCK)? ?-{4,5}[ \t]*\r?$/;
/** How far back a BEGIN line's tail is looked for: two words of 20, "PRIVATE KEY BLOCK", dashes. */
const TAIL_REACH = 80;
/** PEM's (RFC 1421) and OpenPGP's (RFC 4880) armour headers: not secret, but part of the block. */
const ARMOUR_HEADER = /^[ \t]*(?:Proc-Type|DEK-Info|Version|Comment|Hash|Charset|MessageID):[^\r\n]*\r?$/;
const BASE64_LINE = /^[ \t]*([A-Za-z0-9+/=]+)[ \t]*\r?$/;
const BASE64_RUN = /^[A-Za-z0-9+/=]+$/;
/** Key material: a run no shorter than a quarter line with a digit, `+`, `/` or a capital after a small letter. */
const MIN_MATERIAL = 16;
const isMaterial = (run: string): boolean => run.length >= MIN_MATERIAL && /[0-9+/]|[a-z][A-Z]/.test(run);
/** A piece of a key's base64: encoded-looking, padded (`Ag==`, PGP's `=Xk9f`), or long; "cut" or "Thanks" are words. */
const isKeyPiece = (run: string): boolean => BASE64_RUN.test(run) && (run.includes('=') || /[0-9+/]|[a-z][A-Z]/.test(run));

/** Start of the line holding `at`, or `floor` if that comes first: the scan never passes the previous END line. */
const lineStart = (text: string, at: number, floor: number): number => {
  let from = at;
  while (from > floor && text.charCodeAt(from - 1) !== 10) from -= 1;
  return from;
};

/**
 * Laid out in lines: the base64 lines right above the END line (blank lines among them), then the
 * armour headers, then the BEGIN line's tail. Returns where the remainder starts, or undefined.
 */
const remainderInLines = (text: string, endLineStart: number, floor: number): number | undefined => {
  let start: number | undefined;
  let material = false;
  let at = endLineStart;
  // Each step reads the line ending just before `at`.
  while (at > floor) {
    const from = lineStart(text, at - 1, floor);
    const line = text.slice(from, at - 1);
    const base64 = BASE64_LINE.exec(line);
    // A line that is one run of base64 alone is key material's (a last line may be as short as `Ag`).
    if (base64) {
      start = from;
      material ||= isMaterial(base64[1]);
    } else if (line.trim() !== '' || start === undefined) break;
    at = from;
  }
  if (start === undefined || !material) return undefined;
  for (at = start; at > floor; ) {
    const from = lineStart(text, at - 1, floor);
    const line = text.slice(from, at - 1);
    if (ARMOUR_HEADER.test(line)) start = from;
    else if (line.trim() !== '') {
      const tail = BEGIN_TAIL.exec(line.slice(-TAIL_REACH));
      if (tail) start = from + line.length - (line.slice(-TAIL_REACH).length - tail.index);
      break;
    }
    at = from;
  }
  return start;
};

/** Pasted into one line: the base64 runs before the END line on its line, then the BEGIN line's tail. */
const remainderInOneLine = (text: string, endStart: number, floor: number): number | undefined => {
  const from = lineStart(text, endStart, floor);
  const runs = [...text.slice(from, endStart).matchAll(/\S+/g)];
  let start: number | undefined;
  let material = false;
  // The run right before the END line may be a short last piece (`Ag`); the others must look encoded.
  for (let i = runs.length - 1; i >= 0 && (i === runs.length - 1 ? BASE64_RUN.test(runs[i][0]) : isKeyPiece(runs[i][0])); i -= 1) {
    start = from + runs[i].index;
    material ||= isMaterial(runs[i][0]);
  }
  if (start === undefined || !material) return undefined;
  const before = text.slice(Math.max(from, start - TAIL_REACH), start);
  const tail = BEGIN_TAIL.exec(before.trimEnd());
  return tail ? start - before.length + tail.index : start;
};

/** The headless remainders of private keys in `text`, in order: each from its first line kept to its END line. */
export const findKeyRemainders = (text: string): KeyRemainder[] => {
  const found: KeyRemainder[] = [];
  let floor = 0;
  for (const end of text.matchAll(PEM_END)) {
    const endStart = end.index;
    const endLine = lineStart(text, endStart, floor);
    const alone = (endLine > floor || endLine === 0 || text.charCodeAt(endLine - 1) === 10) && text.slice(endLine, endStart).trim() === '';
    const start = alone ? remainderInLines(text, endLine, floor) : remainderInOneLine(text, endStart, floor);
    if (start !== undefined) found.push({ start, end: endStart + end[0].length });
    floor = endStart + end[0].length;
  }
  return found;
};
