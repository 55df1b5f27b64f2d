import type { Admin } from 'kafkajs';
import { Gauge } from 'prom-client';
import { metricsRegistry } from '@tss/service-kit';

export interface PartitionLag {
  topic: string;
  partition: number;
  /** Messages in the partition the group has not committed: the high watermark less the committed offset. */
  lag: number;
}

/**
 * The lag of a consumer group on its topics, from the broker: per partition, the high watermark
 * less the group's committed offset (the log start when it has committed none).
 */
export const measureConsumerLag = async (admin: Admin, groupId: string, topics: readonly string[]): Promise<PartitionLag[]> => {
  const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
  const lags: PartitionLag[] = [];
  for (const { topic, partitions } of committed) {
    const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p]));
    for (const { partition, offset } of partitions) {
      const end = ends.get(partition);
      if (!end) continue;
      const from = Number(offset) >= 0 ? Number(offset) : Number(end.low);
      lags.push({ topic, partition, lag: Math.max(0, Number(end.high) - from) });
    }
  }
  return lags;
};

interface LagSource {
  admin: Admin;
  groupId: string;
  topics: readonly string[];
  /** The label names a topic without the environment's prefix. */
  label(topic: string): string;
}

const sources = new Set<LagSource>();
/** A scrape waits this long for the broker at most: a broker away leaves the figures out, not the scrape hanging. */
const SCRAPE_TIMEOUT_MS = 2_000;

let gauge: Gauge<'service' | 'group' | 'topic' | 'partition'> | undefined;
const lagGauge = () =>
  (gauge ??= new Gauge({
    name: 'tss_consumer_lag_messages',
    help: "Messages of a topic partition the service's consumer group has not committed yet (read from the broker at each scrape)",
    // A service's group is named after it: `service` is the label every TSS metric is filtered by.
    labelNames: ['service', 'group', 'topic', 'partition'],
    registers: [metricsRegistry()],
    async collect() {
      this.reset();
      await Promise.all(
        [...sources].map(async (source) => {
          const timeout = new Promise<PartitionLag[]>((_, reject) => setTimeout(() => reject(new Error('timeout')), SCRAPE_TIMEOUT_MS).unref());
          try {
            for (const { topic, partition, lag } of await Promise.race([measureConsumerLag(source.admin, source.groupId, source.topics), timeout])) {
              const group = source.label(source.groupId);
              this.set({ service: group, group, topic: source.label(topic), partition: String(partition) }, lag);
            }
          } catch {
            // The broker is away or slow: no figure this scrape (tss_kafka_broker_reachable says why).
          }
        }),
      );
    },
  }));

/** Reports a subscribed group's lag in `tss_consumer_lag_messages` until the returned function is called. */
export const reportConsumerLag = (source: LagSource): (() => void) => {
  lagGauge();
  sources.add(source);
  return () => sources.delete(source);
};
