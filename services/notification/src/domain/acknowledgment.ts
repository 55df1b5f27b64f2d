import type { Channel } from '@tss/contracts';
import { missingDetailLabel } from './acknowledgment-mail';

export interface Acknowledgment {
  ticketId: string;
  partnerId: string;
  reference: string;
  channel: Channel;
  recipient?: string;
  /** P2: the details the request lacked, listed in the acknowledgment. */
  missingDetails: string[];
  /** API requests are acknowledged by their 201 answer; other channels by mail (P3). */
  delivery: 'api_response' | 'email';
}

export const acknowledge = (ticket: Omit<Acknowledgment, 'delivery'>): Acknowledgment => ({
  ...ticket,
  delivery: ticket.channel === 'api' ? 'api_response' : 'email',
});

/** P2/P3: the acknowledgment text: the reference number and what is missing. */
export const acknowledgmentText = (ack: Acknowledgment): string => {
  const lines = [`Your request was registered with reference number ${ack.reference}.`, 'Reply to this message to add to it.'];
  if (ack.missingDetails.length > 0) {
    lines.push(
      // The mail's own words for each detail (English: this record has no language), so the two never differ.
      `To help us respond quickly, please tell us ${ack.missingDetails.map((d) => missingDetailLabel('en', d)).join(', ')}.`,
    );
  }
  return lines.join('\n');
};
