import { defineStrings } from '@tss/web-pages';

/** The rate page's own words (issue #13), in the survey's language; the form's are `@tss/web-pages` RATING_FORM_STRINGS. */
export const RATE_PAGE_STRINGS = defineStrings({
  en: {
    reference: 'Reference',
    subject: 'Subject',
    ratedTitle: 'This request has already been rated',
    ratedBody: 'Thank you: we already have your rating of request {reference}. Each resolution of a request is rated once.',
    earlierRatedTitle: 'You rated an earlier resolution',
    earlierRatedBody: 'Thank you: we have your rating of request {reference} as it was resolved before. It was resolved again since, and a new link to rate it was sent to you: please use the newest link.',
    supersededTitle: 'A newer link was sent',
    supersededBody: 'This request was resolved again after this link was sent, and a new link to rate it was sent to you: please use the newest link.',
    reopenedTitle: 'This request is open again',
    reopenedBody: 'Request {reference} was reopened after this link was sent, so it is not resolved now and there is nothing to rate yet. Our support team is working on it; when it is resolved again, we will send you a new link to rate it.',
  },
  ru: {
    reference: 'Номер обращения',
    subject: 'Тема',
    ratedTitle: 'Это обращение уже оценено',
    ratedBody: 'Спасибо: ваша оценка обращения {reference} уже получена. Каждое решение обращения оценивается один раз.',
    earlierRatedTitle: 'Вы оценили прежнее решение',
    earlierRatedBody: 'Спасибо: ваша оценка обращения {reference}, каким оно было решено раньше, получена. С тех пор обращение решено снова, и вам отправлена новая ссылка для оценки: пожалуйста, воспользуйтесь самой новой ссылкой.',
    supersededTitle: 'Отправлена более новая ссылка',
    supersededBody: 'После того как мы отправили эту ссылку, обращение было решено снова, и вам отправлена новая ссылка для оценки: пожалуйста, воспользуйтесь самой новой ссылкой.',
    reopenedTitle: 'Это обращение снова открыто',
    reopenedBody: 'Обращение {reference} открыто снова после того, как мы отправили эту ссылку, поэтому сейчас оно не решено и оценивать пока нечего. Служба поддержки работает над ним; когда оно будет решено снова, мы пришлём новую ссылку для оценки.',
  },
});
export type RatePageStringKey = keyof (typeof RATE_PAGE_STRINGS)['en'];
