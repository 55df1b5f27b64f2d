import { Client } from 'pg';

/** Whether a PostgreSQL at `url` answers a query now (false when it refuses or is gone). */
export const answers = async (url: string): Promise<boolean> => {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    return (await client.query<{ one: number }>('SELECT 1 AS one')).rows[0].one === 1;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
};
