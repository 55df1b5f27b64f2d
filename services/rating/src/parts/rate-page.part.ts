import { definePart } from '@tss/runtime';
import { ratePageRoutes } from '../http/rate-page.routes';
import { openSurvey, rateByToken, surveyLanguage } from '../use-cases/rate-by-token';

/** The server-rendered rating page `GET`/`POST /rate/{token}` (issue #13, P11), on rating's own use cases. */
export const ratePagePart = definePart()({
  name: 'rate-page',
  build: (deps) => ({
    routes: ratePageRoutes(
      {
        openSurvey: (token) => openSurvey(deps, token),
        rate: (token, answer) => rateByToken(deps, token, answer),
        languageOf: (token) => surveyLanguage(deps, token),
      },
      deps.clock,
    ),
  }),
});
