/** The target of the chaos suite: finality back within this many seconds of each fault's end. */
export const RECOVERY_TARGET_S = 15;

export interface FaultReport {
  name: string;
  startMs: number;
  endMs: number;
  /** From the fault's end until a transfer sent after it was final. */
  recoverySeconds: number;
  /** p99 time to an answer of the requests sent during the fault and its recovery; null if none. */
  p99Ms: number | null;
  /** For faults that must halt finality: whether it did stop (undefined for the others). */
  haltedSafely?: boolean;
  lost: number;
  duplicated: number;
}

function p99(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(0.99 * sorted.length))];
}

/** One row per fault, as the note and docs/performance.md show them. */
export function formatTable(reports: FaultReport[]): string {
  const rows = reports.map((r) => [
    r.name,
    String(r.lost),
    String(r.duplicated),
    Number.isFinite(r.recoverySeconds) ? r.recoverySeconds.toFixed(1) : 'never',
    r.p99Ms === null ? '-' : String(r.p99Ms),
    r.haltedSafely === undefined ? '' : r.haltedSafely ? 'halted safely' : 'DID NOT HALT',
  ]);
  const header = ['fault', 'lost', 'duplicated', 'finality back (s)', 'p99 during (ms)', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** `chaos: <n> faults, <l> lost, <d> duplicated, recovery p99 <s> s` */
export function lastLine(reports: FaultReport[], lost: number, duplicated: number): string {
  const recovery = p99(reports.map((r) => r.recoverySeconds));
  const shown = Number.isFinite(recovery) ? recovery.toFixed(1) : 'never';
  return `chaos: ${reports.length} faults, ${lost} lost, ${duplicated} duplicated, recovery p99 ${shown} s`;
}
