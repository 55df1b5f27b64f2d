import type { SendOutcome } from '../../src/domain/mail-delivery';
import type { MailTransport, OutgoingMail } from '../../src/use-cases/mail-transport';

/** A transport that answers what the test says and records what it was handed (the SMTP side is covered by mail-acknowledgment.int.spec.ts). */
export const scriptedTransport = () => {
  const handed: OutgoingMail[] = [];
  let next: (mail: OutgoingMail) => SendOutcome | Promise<SendOutcome> = () => ({ kind: 'sent', response: '250 OK' });
  const transport: MailTransport = {
    name: 'smtp',
    // The message goes at once (a server that takes DATA at once); a send cut short before never does.
    send: async (mail, handover) => {
      if (handover && !handover.begin()) return { kind: 'transient', reason: 'cut short before the message went' };
      handed.push(mail);
      return next(mail);
    },
    close: () => undefined,
  };
  return { transport, handed, answer: (fn: (mail: OutgoingMail) => SendOutcome | Promise<SendOutcome>) => (next = fn) };
};
