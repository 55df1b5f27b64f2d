import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const GUIDE = join(__dirname, '../../../docs/api.md');

/** The ```sh blocks of a Markdown file, in order: the guide's commands exactly as a reader copies them. */
const shellBlocks = (markdown: string): string[] => [...markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]);

// Issue #9 "Done when": docs/api.md walks a partner through the API with curl, and every command
// in it was run. This runs the whole guide, as one script, against the platform on a real port.
describe('docs/api.md, run as written', () => {
  let platform: TestPlatform;
  let workDir: string;

  beforeAll(async () => {
    platform = await startTestPlatform('docs_api');
    await platform.running.platform.app.listen({ host: '127.0.0.1', port: 0 });
    workDir = mkdtempSync(join(tmpdir(), 'tss-docs-api-'));
  });

  afterAll(async () => {
    await platform?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('every command succeeds and shows what the text says it shows', async () => {
    const blocks = shellBlocks(readFileSync(GUIDE, 'utf8'));
    expect(blocks.length).toBeGreaterThanOrEqual(10);
    const { port } = platform.running.platform.app.server.address() as AddressInfo;
    const admin = platform.running.generatedAdmin!;
    // Asynchronously: the platform answering the guide's curls runs in this process.
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        'bash',
        ['-c', `set -euo pipefail\n${blocks.join('\n')}`],
        {
          cwd: workDir,
          timeout: 60_000,
          env: { PATH: process.env.PATH, HOME: workDir, B: `http://127.0.0.1:${port}`, ADMIN_ID: admin.clientId, ADMIN_SECRET: admin.clientSecret },
        },
        (error, stdout, stderr) => (error ? reject(new Error(`the guide failed (${error.message}):\n${stderr}\n--- stdout ---\n${stdout}`)) : resolve(stdout)),
      ),
    );
    expect(out).toMatch(/"reference": "TSS-[0-9A-Z]{5}-[0-9A-Z]{5}"/);
    expect(out).toMatch(/idempotent-replayed: true/i);
    expect(out).toMatch(/"browser": "Chrome 131",\s+"requester": \{[^}]*"email": "ann@example.com"/); // the ticket as filed (P2)
    expect(out).toContain('"title": "Invalid reference"'); // TSS-00000-00001: its check character is wrong
    expect(out).toMatch(/content-type: image\/png/i);
    expect(out).toContain('"attachments": 2'); // a multipart message naming an earlier upload and bringing a file
    expect(out).toMatch(/x-content-type-options: nosniff/i);
    expect(out).toContain('"title": "Precondition Failed"');
    expect(out).toContain('"category": "software_errors"');
    expect(out).toMatch(/"secondPage": \[\s+"[a-z_]+",\s+"[a-z_]+"\s+\]/); // the history's second page, by its cursor
    expect(out).toContain('"responseOwed": false');
    expect(out).toMatch(/"followUp": false,\s+"status": "open",\s+"responseOwed": true/);
    expect(out).toContain('"channel": "api"');
  });
});
