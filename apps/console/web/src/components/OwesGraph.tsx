interface Point {
  x: number;
  y: number;
}
interface Obligation {
  payer: string;
  payee: string;
  amount: string;
}

/** One obligation as an arrow from payer to payee, as thick as its share of the largest one. */
function Arrow({
  from,
  to,
  amount,
  widthShare,
}: {
  from: Point;
  to: Point;
  amount: string;
  widthShare: number;
}) {
  const dx = to.x - from.x;
  const dy = to.y - from.y;
  const length = Math.hypot(dx, dy) || 1;
  // Offset each direction sideways so that A→B and B→A do not overlap; stop short of the node.
  const ox = (-dy / length) * 6;
  const oy = (dx / length) * 6;
  const end = { x: to.x - (dx / length) * 24 + ox, y: to.y - (dy / length) * 24 + oy };
  return (
    <g>
      <line
        x1={from.x + ox}
        y1={from.y + oy}
        x2={end.x}
        y2={end.y}
        stroke="#0b5cad"
        strokeWidth={1 + 5 * widthShare}
        markerEnd="url(#arrow)"
        opacity={0.8}
      />
      <text x={(from.x + to.x) / 2 + ox * 2} y={(from.y + to.y) / 2 + oy * 2} fontSize="11" fill="#1b1f24">
        {amount}
      </text>
    </g>
  );
}

function ArrowHead() {
  return (
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
  );
}

/** Who owes whom before netting: participants on a circle, an arrow from payer to payee per obligation. */
export function OwesGraph({ bilateral }: { bilateral: Obligation[] }) {
  const names = [...new Set(bilateral.flatMap((b) => [b.payer, b.payee]))].sort();
  if (names.length === 0) return null;
  const size = 360;
  const at = (name: string): Point => {
    const angle = (2 * Math.PI * names.indexOf(name)) / names.length - Math.PI / 2;
    return { x: size / 2 + 130 * Math.cos(angle), y: size / 2 + 130 * Math.sin(angle) };
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
      <ArrowHead />
      {bilateral.map((b) => (
        <Arrow
          key={`${b.payer}-${b.payee}`}
          from={at(b.payer)}
          to={at(b.payee)}
          amount={b.amount}
          widthShare={Number(b.amount) / max}
        />
      ))}
      {names.map((n) => (
        <g key={n}>
          <circle cx={at(n).x} cy={at(n).y} r={20} fill="#e8ebef" stroke="#14263d" />
          <text x={at(n).x} y={at(n).y + 34} textAnchor="middle" fontSize="12" fill="#1b1f24">
            {n}
          </text>
        </g>
      ))}
    </svg>
  );
}
