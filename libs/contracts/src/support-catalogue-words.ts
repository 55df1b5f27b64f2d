import type { Language, OutOfScopeReason, RequesterWaitReason, ThirdPartyKind } from './support-catalogue';
import { outOfScopeCase } from './support-catalogue';

/**
 * P6 in the requester's words: an out-of-scope closure's reason and the third party to turn to, as
 * the closure mail and the support site tell them (English and Russian). The reasons' English is
 * the catalogue's own text; the codes stay the API's values.
 */
export const THIRD_PARTY_WORDS: Readonly<Record<ThirdPartyKind, Readonly<Record<Language, string>>>> = {
  hosting_provider: { en: 'Your hosting provider', ru: 'Ваш хостинг-провайдер' },
  service_provider: { en: 'Your service provider', ru: 'Ваш поставщик услуг' },
  third_party_software_developer: { en: 'The developer of the third-party software', ru: 'Разработчик стороннего программного обеспечения' },
  third_party_content_developer: { en: 'The developer of the third-party content', ru: 'Разработчик стороннего контента' },
  hardware_or_os_vendor: { en: 'The vendor of your hardware or operating system', ru: 'Производитель вашего оборудования или операционной системы' },
  network_or_proxy_administrator: { en: 'Your network or proxy server administrator', ru: 'Администратор вашей сети или прокси-сервера' },
  security_software_vendor: { en: 'The vendor of your security (antivirus) software', ru: 'Производитель вашего антивирусного (защитного) программного обеспечения' },
};

const OUT_OF_SCOPE_RU: Readonly<Record<OutOfScopeReason, string>> = {
  product_wont_install: 'Продукт не устанавливается',
  third_party_software_fails: 'Не работает стороннее программное обеспечение на компьютере клиента',
  software_diagnostics_fails: 'Не работает диагностика программного обеспечения',
  user_machines_setup: 'Программное обеспечение не настраивается должным образом на компьютерах и серверах пользователей',
  client_server_diagnostics: 'Не работают диагностика и нагрузочное тестирование на серверах клиента',
  component_optimisation: 'Не оптимизируются компоненты или модули программного обеспечения',
  malware_removal: 'Не удаётся удалить вредоносное ПО с устройства клиента',
  server_or_proxy_connectivity: 'Проблемы подключения к серверу и через прокси-сервер, кроме внутренних настроек Продукта',
  connectivity_or_server_settings: 'Поиск и устранение проблем связи или настроек серверного программного обеспечения',
  general_programming: 'Консультации по общим вопросам программирования',
  third_party_solution_diagnostics: 'Диагностика сторонних программных решений или компонентов',
};

const isOutOfScopeReason = (reason: string): reason is OutOfScopeReason => Object.hasOwn(OUT_OF_SCOPE_RU, reason);
const isThirdPartyKind = (kind: string): kind is ThirdPartyKind => Object.hasOwn(THIRD_PARTY_WORDS, kind);

/** The out-of-scope case a closure reason names, in `language`; undefined for any other reason (e.g. `reopen_window_ended`). */
export const outOfScopeReasonText = (reason: string, language: Language): string | undefined => {
  if (!isOutOfScopeReason(reason)) return undefined;
  return language === 'ru' ? OUT_OF_SCOPE_RU[reason] : outOfScopeCase(reason)?.case.text;
};

/** Whom to turn to, in `language`; undefined for a value that is not a catalogued kind. */
export const thirdPartyText = (kind: string, language: Language): string | undefined => (isThirdPartyKind(kind) ? THIRD_PARTY_WORDS[kind][language] : undefined);

/**
 * P10 in the requester's words: why support waits on them, as the "Information needed" mail and the
 * support site's ticket page tell it (English and Russian), one text per requester-side reason.
 */
export const WAIT_REASON_WORDS: Readonly<Record<RequesterWaitReason, Readonly<Record<Language, string>>>> = {
  cannot_reproduce: {
    en: 'We could not reproduce the problem. Please describe the steps that lead to it in more detail.',
    ru: 'Нам не удалось воспроизвести проблему. Опишите, пожалуйста, подробнее шаги, которые к ней приводят.',
  },
  insufficient_information: {
    en: 'We need more information to continue.',
    ru: 'Чтобы продолжить, нам нужна дополнительная информация.',
  },
  requirements_violated: {
    en: 'The system requirements of the product are not met. Please check them and tell us what you changed.',
    ru: 'Системные требования продукта не соблюдены. Проверьте их, пожалуйста, и сообщите, что изменили.',
  },
  unlicensed_os: {
    en: 'The operating system appears to be unlicensed. Please confirm its licence.',
    ru: 'Похоже, операционная система нелицензионная. Подтвердите, пожалуйста, лицензию.',
  },
  malware: {
    en: 'The computer appears to be infected with malware. Please clean it and tell us the result.',
    ru: 'Похоже, компьютер заражён вредоносным ПО. Удалите его, пожалуйста, и сообщите результат.',
  },
  question_unclear: {
    en: 'We did not understand the question. Please rephrase it.',
    ru: 'Мы не поняли вопрос. Сформулируйте его, пожалуйста, иначе.',
  },
  information_late: {
    en: 'We are still waiting for the information we asked for.',
    ru: 'Мы всё ещё ждём запрошенную информацию.',
  },
};

const isWaitReason = (reason: string): reason is RequesterWaitReason => Object.hasOwn(WAIT_REASON_WORDS, reason);

/** Why support waits on the requester, in `language`; a reason that is not catalogued reads as `insufficient_information`. */
export const waitReasonText = (reason: string | undefined, language: Language): string =>
  WAIT_REASON_WORDS[reason !== undefined && isWaitReason(reason) ? reason : 'insufficient_information'][language];
