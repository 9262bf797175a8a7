// Small text helpers for CLI output.

export function formatRate(perSecond: number): string {
  return Math.round(perSecond).toLocaleString('en-US');
}

export function progressLine(
  published: number,
  processed: number,
  total: number,
  split: Record<string, number>,
  seconds: number,
): string {
  const pct = total ? Math.floor((100 * processed) / total) : 100;
  const parts = Object.entries(split)
    .map(([name, n]) => `${name}=${n}`)
    .join(' ');
  return `published ${published}/${total}  processed ${processed} (${pct}%)  ${parts}  ${formatRate(processed / Math.max(seconds, 0.001))}/s`;
}
