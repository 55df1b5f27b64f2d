import { err, findCredentials, ok, type Failure, type Result } from '@tss/service-kit';

/**
 * P9: a credential's label is shown in lists and the history, to the requester's side as to staff,
 * and outlives the secret's destruction. A label that holds access particulars is refused rather
 * than masked: the caller meant them for `secret`, and a masked label would name a second
 * credential nobody asked for (docs/adr/0026, addendum of 2026-12-04, sixth session). The problem
 * never repeats the label.
 */
export const checkCredentialLabel = (label: string): Result<string, Failure> =>
  findCredentials(label).length === 0
    ? ok(label)
    : err({
        kind: 'unprocessable',
        detail: 'The label holds access particulars: name what they open in `label`, and put secrets in `secret` (and `login`, `note`), which are stored encrypted.',
        extensions: { errors: [{ in: 'body', pointer: '/label', message: 'must not hold access particulars: put secrets in `secret`' }] },
      });
