import type { Channel } from '@tss/contracts';

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

const MISSING_DETAIL_LABELS: Record<string, string> = {
  stepsToReproduce: 'the steps that lead to the problem',
  browser: 'the browser used',
  operatingSystem: 'the operating system',
  operatingSystemVersion: 'the operating system version',
};

export const acknowledge = (ticket: Omit<Acknowledgment, 'delivery'>): Acknowledgment => ({
  ...ticket,
  delivery: ticket.channel === 'api' ? 'api_response' : 'email',
});

/** P2/P3: the acknowledgment text: the reference number and what is missing. */
export const acknowledgmentText = (ack: Acknowledgment): string => {
  const lines = [`Your request was registered with reference number ${ack.reference}.`, 'Reply to this message to add to it.'];
  if (ack.missingDetails.length > 0) {
    lines.push(
      `To help us respond quickly, please tell us ${ack.missingDetails.map((d) => MISSING_DETAIL_LABELS[d] ?? d).join(', ')}.`,
    );
  }
  return lines.join('\n');
};
