import { createServer } from 'node:net';
import { CannotListen, cannotListenReason, listenAs, type RefusedListener } from '@tss/runtime';
import { metricsPortFor } from '@tss/service-kit';

/** A port a launcher (`npm start`, `npm run start:services`) has something listen on, by the launcher's setting that places it. */
export interface PlacedPort {
  setting: string;
  host: string;
  port: number;
  /** What listens there, when it is not the setting's own port: "rating's PORT: TSS_BASE_PORT + 5". */
  what?: string;
  /** The service that listens there, and under which setting of its own. */
  service?: { name: string; setting: 'PORT' | 'METRICS_PORT' };
}

export interface PortPlan {
  basePort: number;
  /** 0: each service picks a free metrics port. */
  metricsBasePort: number;
  pgPort: number;
  kafkaPort: number;
  /** PostgreSQL elsewhere: the launcher starts none. */
  databaseUrl?: string;
  /** Kafka elsewhere: the launcher starts no broker. */
  kafkaBrokers?: string;
  /** The services, in the order of their ports (gateway first). */
  serviceNames: readonly string[];
  /** The services' HOST (their environment's, 127.0.0.1 unless set). */
  serviceHost: string;
}

/** The embedded PostgreSQL and the broker listen on the loopback only (libs/persistence, deploy/kafka/kafka-broker.sh). */
const LOOPBACK = '127.0.0.1';

const plus = (setting: string, offset: number): string => (offset === 0 ? setting : `${setting} + ${offset}`);

/**
 * Every port the launcher's processes listen on, in the order they open: PostgreSQL's and the
 * broker's and its controller's (when it starts them), each service's, then each service's metrics
 * (unless they pick free ports).
 */
export const placedPorts = (plan: PortPlan): PlacedPort[] => [
  ...(plan.databaseUrl ? [] : [{ setting: 'TSS_PG_PORT', host: LOOPBACK, port: plan.pgPort }]),
  ...(plan.kafkaBrokers
    ? []
    : [
        { setting: 'KAFKA_PORT', host: LOOPBACK, port: plan.kafkaPort },
        { setting: 'KAFKA_PORT', host: LOOPBACK, port: plan.kafkaPort + 1, what: "the broker's controller: KAFKA_PORT + 1" },
      ]),
  ...plan.serviceNames.map((name, i): PlacedPort => ({
    setting: 'TSS_BASE_PORT',
    host: plan.serviceHost,
    port: plan.basePort + i,
    what: `${name}'s PORT: ${plus('TSS_BASE_PORT', i)}`,
    service: { name, setting: 'PORT' },
  })),
  ...(plan.metricsBasePort === 0
    ? []
    : plan.serviceNames.map((name, i): PlacedPort => ({
        setting: 'TSS_METRICS_BASE_PORT',
        host: plan.serviceHost,
        port: plan.metricsBasePort + i,
        what: `${name}'s METRICS_PORT: ${plus('TSS_METRICS_BASE_PORT', i)}`,
        service: { name, setting: 'METRICS_PORT' },
      }))),
];

/** What `npm start` listens on, from its checked settings. */
export interface SingleProcessListeners {
  HOST: string;
  PORT: number;
  METRICS_PORT?: number;
  TSS_PG_PORT: number;
  TSS_PG_PORT_WAIT_MS: number;
  DATABASE_URL?: string;
}

/**
 * Every port `npm start` listens on, in the order they open: its embedded PostgreSQL's (when it
 * starts one and does not wait for the port: a port to wait for is its start's, the first step),
 * then the platform's PORT and METRICS_PORT on HOST. A port 0 is probed too: the HOST is checked.
 */
export const singleProcessPorts = (config: SingleProcessListeners): PlacedPort[] => {
  const metricsPort = metricsPortFor(config);
  return [
    ...(config.DATABASE_URL || config.TSS_PG_PORT_WAIT_MS > 0 ? [] : [{ setting: 'TSS_PG_PORT', host: LOOPBACK, port: config.TSS_PG_PORT }]),
    { setting: 'PORT', host: config.HOST, port: config.PORT },
    { setting: 'METRICS_PORT', host: config.HOST, port: metricsPort, ...(config.METRICS_PORT === undefined && metricsPort !== 0 ? { what: 'unset: PORT + 1000' } : {}) },
  ];
};

const withWhat = (reason: string, placed: PlacedPort | undefined): string => (placed?.what ? `${reason} (${placed.what})` : reason);

/** Opens `port` and closes it again: fails as a listener there would. */
const probe = (host: string, port: number): Promise<void> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve()));
  });

/**
 * Fails with the first of `ports` that cannot be opened (another process holds it; a HOST not this
 * machine's): in the line a process's own busy listener gives (listenAs: `PORT 8080 on 127.0.0.1
 * is in use (EADDRINUSE): another process listens there`), naming the launcher's setting and, for
 * a port it derives, which one. Nothing is left listening.
 */
export const checkPortsFree = async (ports: readonly PlacedPort[]): Promise<void> => {
  for (const placed of ports) {
    try {
      await listenAs(placed.setting, placed, () => probe(placed.host, placed.port));
    } catch (error) {
      if (error instanceof CannotListen) throw new CannotListen(withWhat(error.message, placed), error.cause, error.refused);
      throw error;
    }
  }
};

/**
 * A listener a service process could not open (it told so: launcher-notice.ts), in the same line
 * as the check above gives for the launcher's setting that placed it.
 */
export const refusedServiceListener = (ports: readonly PlacedPort[], service: string, refused: RefusedListener): CannotListen => {
  const placed = ports.find((p) => p.service?.name === service && p.service.setting === refused.setting);
  const asPlaced = placed && cannotListenReason(refused.code, placed.setting, refused.host, refused.port);
  const asTold = cannotListenReason(refused.code, refused.setting, refused.host, refused.port) ?? `${refused.setting} ${refused.port} on ${refused.host} could not be opened (${refused.code})`;
  return new CannotListen(asPlaced ? withWhat(asPlaced, placed) : `${service}: ${asTold}`, undefined, refused);
};
