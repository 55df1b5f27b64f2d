import { cutText } from '@tss/contracts';
import { renderBlocks, type RenderedMail } from './mail-template';

export interface DisabledEndpointNotice {
  endpointId: string;
  url: string;
  description: string;
  failingSince: Date;
  disabledAt: Date;
  reason: string;
  /** The gateway's address (TSS_PUBLIC_URL): where the owner calls the API. */
  publicUrl: string;
}

/**
 * Issue #11: "disabled, with webhook.endpoint_disabled and an e-mail to its owner": which endpoint,
 * why, and how to enable it again and get what it missed (replay since the first failure).
 */
export const endpointDisabledMail = (n: DisabledEndpointNotice): RenderedMail => {
  const endpoint = `${n.publicUrl}/v1/webhooks/endpoints/${n.endpointId}`;
  return renderBlocks(cutText(`TSS webhook endpoint disabled: ${n.url}`, 250), [
    { paragraph: `Every delivery to your webhook endpoint failed for 5 days, so TSS disabled it on ${n.disabledAt.toISOString()} and stopped sending to it.` },
    {
      list: [
        `Endpoint: ${n.endpointId}`,
        `URL: ${n.url}`,
        ...(n.description ? [`Description: ${n.description}`] : []),
        `Failing since: ${n.failingSince.toISOString()}`,
        `Last failure: ${n.reason}`,
      ],
    },
    { paragraph: 'To enable it again, once the receiver answers 2xx:' },
    {
      list: [
        `PATCH ${endpoint} with {"enabled": true}`,
        `POST ${endpoint}/ping to test it`,
        `POST ${endpoint}/replay with {"since": "${n.failingSince.toISOString()}"} to receive the events it missed`,
      ],
    },
    { link: { text: 'The delivery log', href: `${endpoint}/deliveries` } },
    { paragraph: 'TSS' },
  ], 'en');
};
