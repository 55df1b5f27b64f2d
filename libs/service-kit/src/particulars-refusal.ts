import { findCredentials } from './credential-detection';
import type { Failure } from './problem';

/** A text of a request's body, named by its RFC 6901 pointer (`/name`); absent or null: not given. */
export interface GivenText {
  pointer: string;
  text: string | null | undefined;
}

/** What each refused field's error says: never the text itself. */
export const NO_ACCESS_PARTICULARS_MESSAGE = 'must not hold access particulars (a password, login or key after its word): leave them out';

/** What the OpenAPI document says of such a field (appended to its own description). */
export const NO_ACCESS_PARTICULARS_DOC = 'No access particulars here (P9): a text holding a password, login or key after its word (`password: …`) is a 400 naming the field, and nothing is stored';

/**
 * P9: access particulars are never shown in lists. The names, display names and descriptions
 * that administrators and partners set through the API (a partner's name, a staff client's display
 * name, a webhook endpoint's description) are listed, announced in events and copied by other
 * services, and have no vault behind them: one that holds particulars is refused, not masked, as
 * a credential's label and an escalation rule's phrase are (docs/adr/0026, addenda of 2026-12-04,
 * sixth session, and of 2026-12-05, fourth and fifth sessions). The caller is at hand to send the
 * text again without them. The detection is the one ticket texts go through, which wants a value
 * after the word, so "Token Books", "Passwort GmbH" or "password reset events" are names, not
 * particulars. A `validation` failure (400) naming each field at fault, or undefined when none is;
 * the problem never repeats the text.
 */
export const refusedAccessParticulars = (texts: readonly GivenText[]): Failure | undefined => {
  const refused = texts.filter((t): t is { pointer: string; text: string } => typeof t.text === 'string' && findCredentials(t.text).length > 0);
  if (refused.length === 0) return undefined;
  const fields = refused.map((t) => t.pointer.slice(1)).join(', ');
  return {
    kind: 'validation',
    detail: `${fields}: no access particulars here (P9). Send the text again without the password, login or key; nothing was stored.`,
    extensions: { errors: refused.map((t) => ({ in: 'body', pointer: t.pointer, message: NO_ACCESS_PARTICULARS_MESSAGE })) },
  };
};
