import { spawn } from 'node:child_process';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { freePort, waitFor } from '@tss/service-kit/testing';

// deploy/s3/moto-server.sh installs moto from PyPI into .cache/tools on first use (about a minute).
const MOTO_SCRIPT = path.join(__dirname, '../../../../deploy/s3/moto-server.sh');

export interface MotoServer {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Creates a bucket and answers its name. */
  createBucket(name: string): Promise<string>;
  /** A client of the server, for a test's own checks. */
  client: S3Client;
  stop(): Promise<void>;
}

/** A real S3-compatible server (moto in server mode) on a free port of 127.0.0.1, for tests. */
export const startMotoServer = async (): Promise<MotoServer> => {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const region = 'eu-central-1';
  const credentials = { accessKeyId: 'test-access-key', secretAccessKey: 'test-secret-key' };
  const child = spawn(MOTO_SCRIPT, ['run', String(port)], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const client = new S3Client({ endpoint, region, forcePathStyle: true, credentials });
  const stop = async () => {
    client.destroy();
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  };
  try {
    await waitFor('moto to answer', async () => child.exitCode === null && (await fetch(`${endpoint}/`)).ok, { timeoutMs: 240_000, intervalMs: 200 });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    endpoint,
    region,
    credentials,
    client,
    createBucket: async (name) => {
      await client.send(new CreateBucketCommand({ Bucket: name, CreateBucketConfiguration: { LocationConstraint: region } }));
      return name;
    },
    stop,
  };
};
