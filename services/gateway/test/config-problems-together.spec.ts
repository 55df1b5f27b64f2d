import { randomBytes } from 'node:crypto';
import { moduleConfigProblems } from '@tss/runtime';
import { gatewayService } from '../src';

const key = () => randomBytes(32).toString('base64');

// A services-mode gateway checks its settings before it connects and names every problem at once
// (docs/adr/0015): a repeated master key id hid the support-site link keys' problems until it was
// fixed (ninth session's review of the leftovers).
describe("gateway: TSS_MASTER_KEYS's and TSS_SITE_LINK_KEYS's problems are named together", () => {
  it('a master key id and a link key id each given twice: both named, no key in the message', () => {
    const keys = [key(), key(), key(), key()];
    const env = { TSS_MASTER_KEYS: `k1:${keys[0]},k1:${keys[1]}`, TSS_SITE_LINK_KEYS: `s1:${keys[2]},s1:${keys[3]}` };

    const problems = moduleConfigProblems([gatewayService])(env);

    expect(problems).toEqual(['TSS_MASTER_KEYS: master key id k1 appears twice', 'TSS_SITE_LINK_KEYS: key id s1 appears twice']);
    for (const value of keys) expect(problems.join('\n')).not.toContain(value);
  });

  it('either alone is named alone', () => {
    expect(moduleConfigProblems([gatewayService])({ TSS_SITE_LINK_KEYS: `s1:${key()},s1:${key()}` })).toEqual(['TSS_SITE_LINK_KEYS: key id s1 appears twice']);
    expect(moduleConfigProblems([gatewayService])({ TSS_MASTER_KEYS: `k1:${key()},k1:${key()}` })).toEqual(['TSS_MASTER_KEYS: master key id k1 appears twice']);
  });
});
