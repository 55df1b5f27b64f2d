import { singleProcessConfigProblems } from '../../src/single-process.config';

const MiB = 1_048_576;

describe("the single process: the edge takes what ticket-intake takes (docs/adr/0033; docs/adr/0015, addendum of 2026-12-05, fourth session)", () => {
  it('the defaults hold: 27 MiB at the edge, 10 MiB a file and 25 MiB a message at intake', () => {
    expect(singleProcessConfigProblems({})).toEqual([]);
  });

  it('a limit of intake above the edge\'s is named with it', () => {
    expect(singleProcessConfigProblems({ ATTACHMENT_MAX_MESSAGE_BYTES: String(30 * MiB) })).toEqual([
      `ATTACHMENT_MAX_MESSAGE_BYTES=${30 * MiB} is more than TSS_UPLOAD_BODY_LIMIT_BYTES=${27 * MiB}: the edge would refuse (413) uploads ticket-intake takes`,
    ]);
    expect(singleProcessConfigProblems({ TSS_UPLOAD_BODY_LIMIT_BYTES: String(20 * MiB) })).toEqual([
      `ATTACHMENT_MAX_MESSAGE_BYTES=${25 * MiB} is more than TSS_UPLOAD_BODY_LIMIT_BYTES=${20 * MiB}: the edge would refuse (413) uploads ticket-intake takes`,
    ]);
  });

  it('a bad value of one of them is the schema\'s to name, alone', () => {
    expect(singleProcessConfigProblems({ TSS_UPLOAD_BODY_LIMIT_BYTES: 'lots' })).toEqual([]);
  });
});
