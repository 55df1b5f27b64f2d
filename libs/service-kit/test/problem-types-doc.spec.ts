import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { API_DESCRIPTION, PROBLEM_TYPE_BASE, PROBLEM_TYPES } from '../src/problem-types';

const ROOT = join(__dirname, '../../..');
const DOC = join(ROOT, 'docs/problems.md');

/** The rows of docs/problems.md's tables: `| \`type\` | status | meaning | what to do |`. */
const documentedTypes = (): Map<string, string> => {
  const text = existsSync(DOC) ? readFileSync(DOC, 'utf8') : '';
  const rows = [...text.matchAll(/^\| `([^`]+)` \| ([^|]+?) \| [^|]+ \| [^|]+ \|$/gm)];
  return new Map(rows.map(([, type, status]) => [type, status]));
};

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(name) ? [path] : [];
  });

describe('problem types: each one the API can answer is documented (docs/problems.md)', () => {
  it('docs/problems.md has a row for every problem type, with its status, and none the code does not define', () => {
    const documented = documentedTypes();
    const defined = Object.entries(PROBLEM_TYPES).map(([type, { status }]) => [type, String(status)] as const);

    expect(defined.filter(([type]) => !documented.has(type)).map(([type]) => type)).toEqual([]);
    expect(defined.filter(([type, status]) => documented.has(type) && documented.get(type) !== status).map(([type]) => type)).toEqual([]);
    expect([...documented.keys()].filter((type) => !(type in PROBLEM_TYPES))).toEqual([]);
  });

  it('no source file writes a problem type by hand: every one goes through problemType, which takes only the defined ones', () => {
    const roots = ['libs', 'services'].flatMap((group) => readdirSync(join(ROOT, group)).map((name) => join(ROOT, group, name, 'src')));
    const registry = join(__dirname, '../src/problem-types.ts');
    const handWritten = roots
      .filter((dir) => existsSync(dir))
      .flatMap(sourceFiles)
      .filter((file) => file !== registry && readFileSync(file, 'utf8').includes(PROBLEM_TYPE_BASE.replace('https://', '')))
      .map((file) => relative(ROOT, file));

    expect(handWritten).toEqual([]);
  });

  it("the OpenAPI document's description lists every problem type and points to docs/problems.md", () => {
    expect(API_DESCRIPTION).toContain('docs/problems.md');
    expect(Object.keys(PROBLEM_TYPES).filter((type) => !API_DESCRIPTION.includes(`| \`${type}\` |`))).toEqual([]);
  });
});
