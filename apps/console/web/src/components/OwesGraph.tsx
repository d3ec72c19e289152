/** Who owes whom before netting: participants on a circle, an arrow from payer to payee per obligation. */
export function OwesGraph({ bilateral }: { bilateral: { payer: string; payee: string; amount: string }[] }) {
  const names = [...new Set(bilateral.flatMap((b) => [b.payer, b.payee]))].sort();
  if (names.length === 0) return null;
  const size = 360;
  const radius = 130;
  const at = (name: string) => {
    const angle = (2 * Math.PI * names.indexOf(name)) / names.length - Math.PI / 2;
    return { x: size / 2 + radius * Math.cos(angle), y: size / 2 + radius * Math.sin(angle) };
  };
  const max = Math.max(...bilateral.map((b) => Number(b.amount)), 1);
  const description = bilateral.map((b) => `${b.payer} owes ${b.payee} ${b.amount}`).join('; ');
  return (
    <svg
      viewBox={`0 0 ${size} ${size}`}
      width={size}
      height={size}
      role="img"
      aria-label={`Who owes whom: ${description}`}
    >
      <defs>
        <marker
          id="arrow"
          viewBox="0 0 10 10"
          refX="10"
          refY="5"
          markerWidth="10"
          markerHeight="10"
          markerUnits="userSpaceOnUse"
          orient="auto"
        >
          <path d="M0,0 L10,5 L0,10 z" fill="#0b5cad" />
        </marker>
      </defs>
      {bilateral.map((b) => {
        const from = at(b.payer);
        const to = at(b.payee);
        const dx = to.x - from.x;
        const dy = to.y - from.y;
        const length = Math.hypot(dx, dy) || 1;
        // Offset each direction sideways so that A→B and B→A do not overlap; stop short of the node.
        const ox = (-dy / length) * 6;
        const oy = (dx / length) * 6;
        const end = { x: to.x - (dx / length) * 24 + ox, y: to.y - (dy / length) * 24 + oy };
        return (
          <g key={`${b.payer}-${b.payee}`}>
            <line
              x1={from.x + ox}
              y1={from.y + oy}
              x2={end.x}
              y2={end.y}
              stroke="#0b5cad"
              strokeWidth={1 + (5 * Number(b.amount)) / max}
              markerEnd="url(#arrow)"
              opacity={0.8}
            />
            <text
              x={(from.x + to.x) / 2 + ox * 2}
              y={(from.y + to.y) / 2 + oy * 2}
              fontSize="11"
              fill="#1b1f24"
            >
              {b.amount}
            </text>
          </g>
        );
      })}
      {names.map((n) => {
        const p = at(n);
        return (
          <g key={n}>
            <circle cx={p.x} cy={p.y} r={20} fill="#e8ebef" stroke="#14263d" />
            <text x={p.x} y={p.y + 34} textAnchor="middle" fontSize="12" fill="#1b1f24">
              {n}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
