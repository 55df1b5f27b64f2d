import { Client } from 'pg';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { timersChannel } from './timers.migration';

const databaseUrlOf = (dataSource: DataSource): string => {
  const url = (dataSource.options as { url?: unknown }).url;
  if (typeof url !== 'string') throw new Error('the timer worker needs a data source configured with a url');
  return url;
};

/** The worker's own connection, apart from the pool: it LISTENs for timers scheduled earlier than any pending one. */
export class TimerListener {
  private broken = false;

  private constructor(private readonly client: Client) {}

  static async open(options: { dataSource: DataSource; schema: string; logger: Logger; onNotify: () => void }): Promise<TimerListener> {
    const client = new Client({ connectionString: databaseUrlOf(options.dataSource), application_name: `${options.schema}:timers` });
    const listener = new TimerListener(client);
    // Without a listener an 'error' event (server restart) would crash the process.
    client.on('error', (error) => {
      listener.broken = true;
      options.logger.warn({ err: error }, 'timer listener connection lost');
      options.onNotify();
    });
    client.on('notification', () => options.onNotify());
    try {
      await client.connect();
      await client.query(`LISTEN "${timersChannel(options.schema)}"`);
    } catch (error) {
      await client.end().catch(() => undefined); // the connect error is the one worth reporting
      throw error;
    }
    return listener;
  }

  get usable(): boolean {
    return !this.broken;
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}
