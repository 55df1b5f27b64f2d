import { defineStrings } from './language';

/** The strings of the layout and of the plain error pages, shared by every site. */
export const KIT_STRINGS = defineStrings({
  en: {
    skipLink: 'Skip to main content',
    siteName: 'Technical support',
    errorSummaryTitle: 'There is a problem',
    required: '(required)',
    optional: '(optional)',
    footer: 'This page uses no scripts and no tracking. Keep its address to yourself: it opens your request.',
    notFoundTitle: 'Page not found',
    notFoundBody: 'This link does not open anything. Check that you copied the whole address, or ask for a new link.',
    goneTitle: 'This link has expired',
    goneBody: 'The link is no longer valid. Ask support for a new one, or reply to the last e-mail you received.',
    forbiddenTitle: 'The form has expired',
    forbiddenBody: 'For your security the form could not be accepted. Go back, reload the page and send it again.',
    badRequestTitle: 'The request could not be read',
    badRequestBody: 'Go back, reload the page and try again.',
    errorTitle: 'Something went wrong',
    errorBody: 'We could not complete this. Please try again in a few minutes.',
  },
  ru: {
    skipLink: 'Перейти к основному содержанию',
    siteName: 'Техническая поддержка',
    errorSummaryTitle: 'Обнаружена проблема',
    required: '(обязательно)',
    optional: '(необязательно)',
    footer: 'Эта страница не использует скрипты и слежку. Не передавайте её адрес: по нему открывается ваше обращение.',
    notFoundTitle: 'Страница не найдена',
    notFoundBody: 'По этой ссылке ничего не открывается. Проверьте, что адрес скопирован полностью, или попросите новую ссылку.',
    goneTitle: 'Срок действия ссылки истёк',
    goneBody: 'Ссылка больше недействительна. Попросите поддержку прислать новую или ответьте на последнее полученное письмо.',
    forbiddenTitle: 'Срок действия формы истёк',
    forbiddenBody: 'В целях безопасности форму принять не удалось. Вернитесь назад, обновите страницу и отправьте её ещё раз.',
    badRequestTitle: 'Не удалось прочитать запрос',
    badRequestBody: 'Вернитесь назад, обновите страницу и попробуйте ещё раз.',
    errorTitle: 'Что-то пошло не так',
    errorBody: 'Не удалось выполнить действие. Попробуйте ещё раз через несколько минут.',
  },
});
export type KitStringKey = keyof (typeof KIT_STRINGS)['en'];
