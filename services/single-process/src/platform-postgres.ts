import { EmbeddedPostgres } from '@tss/persistence';
import { restartEmbeddedPostgresOnExit, type EmbeddedPostgresRestarts } from '@tss/runtime';
import { startOnPgPort, type PgPortOptions } from './embedded-postgres-port';

export interface PlatformPostgresOptions extends PgPortOptions {
  /** TSS_DATA_DIR: the cluster in `pg/`, the socket in `socket/`. */
  dataDir: string;
  /** `npm start`: Ctrl-C reaches only the platform, which drains, then stops the server (docs/adr/0006). */
  ownProcessGroup?: boolean;
}

/**
 * `npm start`'s embedded PostgreSQL: the platform reaches it through its Unix-domain socket, TCP
 * stays open on TSS_PG_PORT for psql; a warning when that port lies in the ephemeral range, as
 * start:services gives; started once TSS_PG_PORT is free (within TSS_PG_PORT_WAIT_MS), and started
 * again whenever it dies (docs/adr/0006).
 */
export const startPlatformPostgres = async (options: PlatformPostgresOptions): Promise<{ server: EmbeddedPostgres; restarts: EmbeddedPostgresRestarts }> => {
  const server = new EmbeddedPostgres({ dataDir: options.dataDir, port: options.port, unixSocket: true, ownProcessGroup: options.ownProcessGroup });
  await startOnPgPort(server, options);
  // A server that dies (kill, crash) is logged at once and started again (docs/adr/0006).
  return { server, restarts: restartEmbeddedPostgresOnExit(server, { logger: options.logger }) };
};
