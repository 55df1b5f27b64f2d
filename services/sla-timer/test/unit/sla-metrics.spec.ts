import { ServiceLevels } from '@tss/contracts';
import { metricsRegistry } from '@tss/service-kit';
import { slaMetrics } from '../../src/events/sla-metrics';

// An operator's audit: `increase(tss_sla_breaches_total[1h])` (TssSlaBreachStorm, the dashboard)
// missed the first breach of each level after every start, as the series began at 1, not 0.
it('tss_sla_breaches_total has a series at 0 for every level from the start, before any breach', async () => {
  slaMetrics();
  const values = (await metricsRegistry().getSingleMetric('tss_sla_breaches_total')?.get())?.values ?? [];
  expect(values.map((v) => [v.labels.service, v.labels.level, v.value]).sort()).toEqual(ServiceLevels.map((level) => ['sla-timer', level, 0]).sort());
});
