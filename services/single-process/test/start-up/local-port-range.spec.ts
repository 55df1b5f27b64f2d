import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inRange, readLocalPortRange, SERVICES_MODE_PG_PORT } from '../../src/local-port-range';
import { SingleProcessEnv } from '../../src/single-process.config';
import { StartServicesEnv } from '../../src/start-services.config';

describe("the launchers' PostgreSQL ports and the ephemeral port range", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tss-port-range-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const at = path.join(dir, name);
    writeFileSync(at, text);
    return at;
  };

  // 54330 lay in Linux's range: a retrying client was given it as its own port and connected to itself.
  it('defaults below every common ephemeral range: Linux 32768-60999, IANA (Windows, macOS) 49152-65535', () => {
    for (const range of [
      { low: 32_768, high: 60_999 },
      { low: 49_152, high: 65_535 },
    ])
      expect({ port: SERVICES_MODE_PG_PORT, inRange: inRange(SERVICES_MODE_PG_PORT, range) }).toEqual({ port: SERVICES_MODE_PG_PORT, inRange: false });
    expect(SERVICES_MODE_PG_PORT).toBeGreaterThan(1_024); // not a privileged port
  });

  // 54320 lay in Linux's range: another program's outgoing connection was given it, and `npm start`
  // failed (an outside soak test; docs/adr/0006, addendum of 2026-12-05, fifth session).
  it("`npm start`'s default too, and not start:services' own (the two servers never contend for a port)", () => {
    const singleProcessDefault = SingleProcessEnv.properties.TSS_PG_PORT.default as number;
    const ranges = [
      { low: 32_768, high: 60_999 },
      { low: 49_152, high: 65_535 },
    ];
    expect({ port: singleProcessDefault, inRange: ranges.map((range) => inRange(singleProcessDefault, range)) }).toEqual({ port: singleProcessDefault, inRange: [false, false] });
    expect(singleProcessDefault).toBeGreaterThan(1_024);
    expect(singleProcessDefault).not.toBe(StartServicesEnv.properties.TSS_PG_PORT.default);
  });

  it('reads the range as Linux writes it, and none from a missing or garbled file', async () => {
    expect(await readLocalPortRange(file('linux', '32768\t60999\n'))).toEqual({ low: 32_768, high: 60_999 });
    expect(await readLocalPortRange(path.join(dir, 'absent'))).toBeUndefined();
    expect(await readLocalPortRange(file('garbled', 'sixty\n'))).toBeUndefined();
    expect(await readLocalPortRange(file('reversed', '60999 32768\n'))).toBeUndefined();
  });

  it('counts both ends of the range as inside it', () => {
    const range = { low: 32_768, high: 60_999 };
    expect([32_767, 32_768, 54_330, 60_999, 61_000].map((port) => inRange(port, range))).toEqual([false, true, true, true, false]);
  });
});
