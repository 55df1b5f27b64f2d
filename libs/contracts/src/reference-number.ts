// Moved from services/ticket-intake/src/domain (issue #11): intake makes references, notification finds them in mail subjects.
/**
 * P3 reference numbers: `TSS-XXXXX-XXXXC`. Nine random Crockford base-32 symbols (45 bits, so
 * they say nothing about anyone's volumes) and a Luhn mod 32 check symbol that catches every
 * single-symbol typo and most swaps. Crockford's alphabet has no I, L, O or U, so it reads aloud
 * cleanly; on input, I/L are read as 1 and O as 0.
 */
export const REFERENCE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const BASE = REFERENCE_ALPHABET.length;
const RANDOM_SYMBOLS = 9;

export type RandomBytes = (size: number) => Uint8Array;

const checkSymbol = (payload: string): string => {
  let factor = 2;
  let sum = 0;
  for (let i = payload.length - 1; i >= 0; i -= 1) {
    let addend = factor * REFERENCE_ALPHABET.indexOf(payload[i]);
    factor = factor === 2 ? 1 : 2;
    addend = Math.floor(addend / BASE) + (addend % BASE);
    sum += addend;
  }
  return REFERENCE_ALPHABET[(BASE - (sum % BASE)) % BASE];
};

const format = (symbols: string): string => `TSS-${symbols.slice(0, 5)}-${symbols.slice(5)}`;

export const generateReference = (randomBytes: RandomBytes): string => {
  const bytes = randomBytes(RANDOM_SYMBOLS);
  let payload = '';
  for (let i = 0; i < RANDOM_SYMBOLS; i += 1) payload += REFERENCE_ALPHABET[bytes[i] % BASE]; // 256 % 32 === 0: unbiased
  return format(payload + checkSymbol(payload));
};

/** Normalises what a person typed or said; undefined when it is not a valid reference. */
export const parseReference = (input: string): string | undefined => {
  // White space and dashes go first: leading white space would otherwise hide the prefix.
  const symbols = input
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/^TSS/, '')
    .replace(/[IL]/g, '1')
    .replace(/O/g, '0');
  if (symbols.length !== RANDOM_SYMBOLS + 1 || [...symbols].some((c) => !REFERENCE_ALPHABET.includes(c))) return undefined;
  const payload = symbols.slice(0, RANDOM_SYMBOLS);
  return checkSymbol(payload) === symbols[RANDOM_SYMBOLS] ? format(symbols) : undefined;
};

const TICKET_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What a route's ticket id-or-reference names (docs/api.md §3): an id, a reference, or neither (a 400). */
export type TicketKey = { id: string } | { reference: string };

/** An id (lower-cased) or a normalised reference; undefined when the text is neither (a mistyped reference). */
export const ticketKeyOf = (idOrReference: string): TicketKey | undefined => {
  if (TICKET_ID.test(idOrReference)) return { id: idOrReference.toLowerCase() };
  const reference = parseReference(idOrReference);
  return reference === undefined ? undefined : { reference };
};
