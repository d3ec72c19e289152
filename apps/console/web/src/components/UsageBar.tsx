/** Net debit cap usage (basis points) as an accessible meter; amber from 80 %, red at the cap. */
export function UsageBar({ bps, label }: { bps: number; label: string }) {
  const percent = Math.min(100, Math.max(0, bps / 100));
  const level = bps >= 10_000 ? 'full' : bps >= 8_000 ? 'high' : 'ok';
  return (
    <div
      className="usage"
      role="meter"
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(percent)}
      aria-label={label}
    >
      <div className={`usage-fill usage-${level}`} style={{ width: `${percent}%` }} />
      <span className="usage-text">{percent.toFixed(1)} %</span>
    </div>
  );
}
