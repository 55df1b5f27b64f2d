import { createConfig, lintFromString } from '@redocly/openapi-core';

/**
 * Redocly's `recommended` rules (what `redocly lint` runs with no configuration), as an API
 * integrator's toolchain sees the served document: the `struct` rule knows what each OpenAPI object
 * may hold, which `@apidevtools/swagger-parser` does not check in a 3.1 document (a header's
 * `schema` wrapped twice passes there, and generators lose the header's type).
 */
const LINT_CONFIG = createConfig({ extends: ['recommended'] });

/**
 * Findings that do not apply to this document, each by rule and where it points: nothing else is
 * waived, warnings included.
 * - `security-defined` asks every operation for a `security` requirement; a `webhooks` entry
 *   describes a request TSS sends to a subscriber, signed (docs/webhooks.md), where an OpenAPI
 *   security requirement (what a caller presents to TSS) has no meaning.
 * - `info-license` (a warning) asks for the terms the API is published under; TSS's is not
 *   published under any (package.json: UNLICENSED), and OpenAPI's `license` is optional.
 */
export const NOT_APPLICABLE: readonly { rule: string; pointer: RegExp; why: string }[] = [
  { rule: 'security-defined', pointer: /^#\/webhooks\//, why: 'deliveries TSS sends, signed per docs/webhooks.md, not requests it authenticates' },
  { rule: 'info-license', pointer: /^#\/info$/, why: 'a proprietary API (UNLICENSED): no licence to name' },
];

export interface LintFinding {
  rule: string;
  severity: string;
  message: string;
  pointer: string;
}

/** Every finding of the recommended rules, errors and warnings alike, that the allow-list does not name. */
export const lintOpenApi = async (document: unknown): Promise<LintFinding[]> => {
  const problems = await lintFromString({ source: JSON.stringify(document), absoluteRef: 'openapi.json', config: await LINT_CONFIG });
  return problems
    .map((p) => ({ rule: p.ruleId, severity: p.severity, message: p.message, pointer: p.location[0]?.pointer ?? '' }))
    .filter((f) => !NOT_APPLICABLE.some((n) => n.rule === f.rule && n.pointer.test(f.pointer)));
};
