import type { Logger } from 'pino';
import { Gauge } from 'prom-client';
import { metricsRegistry, type Clock } from '@tss/service-kit';

let brokerUp: Gauge<'service' | 'client'> | undefined;
const brokerUpGauge = (): Gauge<'service' | 'client'> =>
  (brokerUp ??= new Gauge({
    name: 'tss_kafka_broker_reachable',
    help: '1 while the Kafka cluster answers this client, 0 during an outage (alert on it; readiness ignores it)',
    // A service's client id is its name: `service` is the label every TSS metric is filtered by.
    labelNames: ['service', 'client'],
    registers: [metricsRegistry()],
  }));

/**
 * Whether the Kafka cluster answers, as this client last saw it. During an outage kafkajs logs
 * every failed connect, retry and rejoin (40–120 ERROR lines per service in 10 s, issue #8); an
 * outage is one event, so it is logged once when it starts and once when it ends, with the lines
 * in between at debug. Writes go on through the outbox meanwhile: this is a metric and an alert,
 * never a readiness failure (DESIGN "Readiness").
 */
export class BrokerStatus {
  private downSinceMs?: number;
  private suppressed = 0;
  private readonly unreachableListeners = new Set<() => void>();

  constructor(
    private readonly client: string,
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {
    brokerUpGauge().set({ service: client, client }, 1);
  }

  get reachable(): boolean {
    return this.downSinceMs === undefined;
  }

  /**
   * Calls `listener` once, when the cluster is unreachable: at once if an outage is on, else when
   * one starts. Returns what removes it. Work that needs the broker (leaving a group, a publish
   * still unanswered) is given up with it when the process stops (docs/adr/0020, addendum of
   * 2026-12-05).
   */
  onUnreachable(listener: () => void): () => void {
    if (!this.reachable) {
      listener();
      return () => undefined;
    }
    const once = () => {
      this.unreachableListeners.delete(once);
      listener();
    };
    this.unreachableListeners.add(once);
    return () => this.unreachableListeners.delete(once);
  }

  /** A kafkajs ERROR line: the first one of an outage is logged, the rest only counted. */
  failed(message: string, fields: Record<string, unknown>): void {
    if (this.downSinceMs === undefined) {
      this.downSinceMs = this.clock.now().getTime();
      this.suppressed = 0;
      brokerUpGauge().set({ service: this.client, client: this.client }, 0);
      this.logger.warn({ ...fields, outage: 'started' }, `Kafka unreachable: ${message}; events wait in the outboxes and are published when it is back`);
      for (const listener of [...this.unreachableListeners]) listener();
      return;
    }
    this.suppressed += 1;
    this.logger.debug(fields, message);
  }

  /** The cluster answered (a publish, a fetch, a group join): ends an outage if there was one. */
  succeeded(): void {
    if (this.downSinceMs === undefined) return;
    const outageMs = this.clock.now().getTime() - this.downSinceMs;
    this.downSinceMs = undefined;
    brokerUpGauge().set({ service: this.client, client: this.client }, 1);
    // At the outage's own level: a launcher at warn (start:services) shows its end as it showed its start.
    this.logger.warn({ outage: 'ended', outageMs, suppressedLogLines: this.suppressed }, 'Kafka reachable again');
  }
}
