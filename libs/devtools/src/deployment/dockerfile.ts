/**
 * A Dockerfile read as the image rehearsal needs it: its stages, and in each the WORKDIR, ENV, COPY, RUN,
 * USER and CMD instructions in order. Only what Concord's Dockerfile uses is understood; anything else is
 * refused with its line, so that a new instruction cannot slip past the rehearsal unseen.
 */
export type Instruction =
  | { op: 'WORKDIR'; dir: string }
  | { op: 'ENV'; name: string; value: string }
  | { op: 'COPY'; from?: string; sources: string[]; dest: string }
  | { op: 'RUN'; command: string }
  | { op: 'USER'; user: string }
  | { op: 'CMD'; argv: string[] };

export interface Stage {
  name: string;
  image: string;
  instructions: Instruction[];
}

/** Logical lines: comments dropped, backslash continuations joined. */
function logicalLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let current: { line: number; text: string } | null = null;
  text.split('\n').forEach((raw, i) => {
    if (/^\s*#/.test(raw) || (current === null && raw.trim() === '')) return;
    const continues = /\\\s*$/.test(raw);
    const part = raw.replace(/\\\s*$/, '').trim();
    current = current ? { line: current.line, text: `${current.text} ${part}` } : { line: i + 1, text: part };
    if (!continues) {
      out.push(current);
      current = null;
    }
  });
  return out;
}

function parseCopy(args: string): Instruction {
  const words = args.split(/\s+/);
  const flags = words.filter((w) => w.startsWith('--'));
  const paths = words.filter((w) => !w.startsWith('--'));
  const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
  const unknown = flags.filter((f) => !f.startsWith('--from=') && !f.startsWith('--chown='));
  if (unknown.length > 0 || paths.length < 2) throw new Error(`COPY ${args}: not understood`);
  return { op: 'COPY', from, sources: paths.slice(0, -1), dest: paths[paths.length - 1] };
}

function parseInstruction(op: string, args: string): Instruction | null {
  switch (op) {
    case 'WORKDIR':
      return { op, dir: args };
    case 'ENV': {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(args);
      if (!m) throw new Error(`ENV ${args}: only ENV NAME=value is understood`);
      return { op, name: m[1], value: m[2] };
    }
    case 'COPY':
      return parseCopy(args);
    case 'RUN':
      return { op, command: args };
    case 'USER':
      return { op, user: args };
    case 'CMD':
      return { op, argv: JSON.parse(args) as string[] };
    default:
      return null;
  }
}

export function parseDockerfile(text: string): Stage[] {
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const { line, text: l } of logicalLines(text)) {
    const [, op, rest = ''] = /^(\S+)\s*(.*)$/.exec(l) ?? [];
    const upper = op.toUpperCase();
    if (upper === 'ARG') {
      const [name, value = ''] = rest.split('=');
      args.set(name, value);
    } else if (upper === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
      if (!m) throw new Error(`Dockerfile:${line}: FROM ${rest}: not understood`);
      const image = m[1].replace(/\$\{(\w+)\}/g, (_, name: string) => args.get(name) ?? '');
      stages.push({ name: m[2] ?? String(stages.length), image, instructions: [] });
    } else {
      const instruction = parseInstruction(upper, rest);
      if (!instruction || stages.length === 0)
        throw new Error(`Dockerfile:${line}: ${upper} is not understood by the rehearsal`);
      stages[stages.length - 1].instructions.push(instruction);
    }
  }
  return stages;
}
