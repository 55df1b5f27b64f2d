/**
 * Which mail an operator may send again (`POST /v1/mail/outbox/{id}/retry`): a failed one, whatever
 * failed it: a refusal of our login by a release before 2026-12-05 (seventh session), its attempts
 * spent, or a recipient the server refused and that exists now. Never a sent one (the requester
 * would get it twice) nor a pending one (it is being sent). Answers why not, or undefined.
 */
export const resendRefusal = (mail: { status: 'pending' | 'sent' | 'failed'; sentAt: Date | null }): string | undefined => {
  switch (mail.status) {
    case 'failed':
      return undefined;
    case 'sent':
      return `The mail was sent${mail.sentAt ? ` at ${mail.sentAt.toISOString()}` : ''}: sending it again would deliver it twice. Only a failed mail is sent again.`;
    case 'pending':
      return 'The mail is pending: it is being sent, or waits for its next attempt. Only a failed mail is sent again.';
  }
};
