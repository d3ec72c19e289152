/** The "Show <status>" select above a queue; the empty status reads "all". */
export function StatusFilter({
  statuses,
  value,
  onChange,
}: {
  statuses: readonly string[];
  value: string;
  onChange: (status: string) => void;
}) {
  return (
    <label>
      Show{' '}
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        {statuses.map((s) => (
          <option key={s} value={s}>
            {s || 'all'}
          </option>
        ))}
      </select>
    </label>
  );
}
