/**
 * RFC 9110 §12.5.1: the report's two forms, CSV when the client weighs `text/csv` above
 * `application/json` (an exact range beats a wildcard of the same weight); JSON on a tie or
 * without an Accept header.
 */
export const prefersCsv = (accept: string | undefined): boolean => {
  const weightOf = (mediaType: string): number => {
    const [major] = mediaType.split('/');
    let best = 0;
    for (const part of (accept ?? '').split(',')) {
      const [range = '', ...params] = part.trim().toLowerCase().split(';').map((s) => s.trim());
      const q = Number(params.find((p) => p.startsWith('q='))?.slice(2) ?? 1);
      if (Number.isNaN(q)) continue;
      const specificity = range === mediaType ? 2 : range === `${major}/*` ? 1 : range === '*/*' ? 0 : -1;
      if (specificity >= 0) best = Math.max(best, q + specificity * 1e-6);
    }
    return best;
  };
  return weightOf('text/csv') > weightOf('application/json');
};
