import { cutText, type Language } from '@tss/contracts';
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

const WORDS = {
  en: {
    subject: 'TSS webhook endpoint disabled',
    disabled: (at: string) => `Every delivery to your webhook endpoint failed for 5 days, so TSS disabled it on ${at} and stopped sending to it.`,
    endpoint: 'Endpoint',
    description: 'Description',
    failingSince: 'Failing since',
    lastFailure: 'Last failure',
    toEnable: 'To enable it again, once the receiver answers 2xx:',
    enable: (endpoint: string) => `PATCH ${endpoint} with {"enabled": true}`,
    ping: (endpoint: string) => `POST ${endpoint}/ping to test it`,
    replay: (endpoint: string, since: string) => `POST ${endpoint}/replay with {"since": "${since}"} to receive the events it missed`,
    log: 'The delivery log',
  },
  ru: {
    subject: 'TSS: приём веб-хуков отключён',
    disabled: (at: string) => `Все доставки на ваш адрес приёма веб-хуков в течение 5 дней заканчивались ошибкой, поэтому ${at} TSS отключил его и больше туда не отправляет.`,
    endpoint: 'Адрес приёма',
    description: 'Описание',
    failingSince: 'Ошибки начались',
    lastFailure: 'Последняя ошибка',
    toEnable: 'Чтобы включить его снова, когда получатель начнёт отвечать кодом 2xx:',
    enable: (endpoint: string) => `PATCH ${endpoint} с телом {"enabled": true}`,
    ping: (endpoint: string) => `POST ${endpoint}/ping — проверить его`,
    replay: (endpoint: string, since: string) => `POST ${endpoint}/replay с телом {"since": "${since}"} — получить пропущенные события`,
    log: 'Журнал доставок',
  },
} satisfies Record<Language, unknown>;

/**
 * Issue #11: "disabled, with webhook.endpoint_disabled and an e-mail to its owner": which endpoint,
 * why, and how to enable it again and get what it missed (replay since the first failure). In the
 * owner's language when the owner is a staff member (docs/adr/0042, fourth-session addendum).
 */
export const endpointDisabledMail = (n: DisabledEndpointNotice, language: Language): RenderedMail => {
  const endpoint = `${n.publicUrl}/v1/webhooks/endpoints/${n.endpointId}`;
  const words = WORDS[language];
  const failingSince = n.failingSince.toISOString();
  return renderBlocks(
    cutText(`${words.subject}: ${n.url}`, 250),
    [
      { paragraph: words.disabled(n.disabledAt.toISOString()) },
      {
        list: [
          `${words.endpoint}: ${n.endpointId}`,
          `URL: ${n.url}`,
          ...(n.description ? [`${words.description}: ${n.description}`] : []),
          `${words.failingSince}: ${failingSince}`,
          `${words.lastFailure}: ${n.reason}`,
        ],
      },
      { paragraph: words.toEnable },
      { list: [words.enable(endpoint), words.ping(endpoint), words.replay(endpoint, failingSince)] },
      { link: { text: words.log, href: `${endpoint}/deliveries` } },
      { paragraph: 'TSS' },
    ],
    language,
  );
};
