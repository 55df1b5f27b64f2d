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
    // Not the support site's "ask support for a new one": no route re-issues a rating link, and a
    // reply after the reopen window files a follow-up, not a rating (docs/adr/0040, addendum of 2026-12-05, second session).
    expiredTitle: 'This rating link has expired',
    expiredBody:
      'The time to rate this resolution has passed, so this link no longer opens the rating form. If the problem is not solved, reply to the last e-mail you received about this request, or say so on the support site (its link is in that e-mail): the request is reopened, or a new request linked to it is opened.',
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
    expiredTitle: 'Срок действия ссылки для оценки истёк',
    expiredBody:
      'Время для оценки этого решения прошло, поэтому ссылка больше не открывает форму оценки. Если проблема не решена, ответьте на последнее письмо, полученное по этому обращению, или сообщите об этом на сайте поддержки (ссылка на него есть в этом письме): обращение откроется снова или будет открыто новое обращение, связанное с ним.',
  },
});
export type RatePageStringKey = keyof (typeof RATE_PAGE_STRINGS)['en'];
