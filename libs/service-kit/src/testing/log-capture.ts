import { Writable } from 'node:stream';

/** One pino line, parsed. */
export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** A destination for pino that keeps every line it is given, parsed, for tests that assert on logs. */
export const logCapture = (): { lines: LogLine[]; stream: Writable } => {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { lines, stream };
};
