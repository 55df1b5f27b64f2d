import { CONDITIONS_ENV, describeConditionsOnTargets } from './support/conditional-routes';
import { startTestPlatform } from './support/test-platform';

/**
 * RFC 9110 §13.2.1 in one process: If-Match and If-None-Match on a state-changing request whose
 * resource is missing, another partner's, or whose credential is refused are ignored, so the
 * answer is the route's own 404 or 401, never the app's 412 (docs/adr/0029, addendum of
 * 2026-12-05, fifth session).
 */
describe('one process: conditions are ignored where the answer without them would be a refusal (RFC 9110 §13.2.1)', () => {
  describeConditionsOnTargets(async () => {
    const platform = await startTestPlatform('conditions_on_targets', { env: CONDITIONS_ENV });
    return {
      harness: {
        client: platform.client,
        adminToken: () => platform.adminToken(),
        query: (service, sql, params) => platform.query(service, sql, params),
        documents: async () => [(await platform.client.http().get('/openapi.json')).body],
      },
      stop: () => platform.stop(),
    };
  });
});
