import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import dockerignore from '@balena/dockerignore';
import { REPO_ROOT } from '../infra/settings';
import { Instruction, parseDockerfile, Stage } from './dockerfile';

/** The directory that stands for WORKDIR in every stage (the only one Concord's Dockerfile uses). */
const WORKDIR = '/app';

/**
 * The build context as `docker build .` sees it in a clean clone: git's index (what is committed or about
 * to be) written out to `dir`, so that a file nobody committed fails here as it would in CI, and the work
 * in progress of others in the same checkout does not leak in. Returns the files .dockerignore keeps.
 */
export function buildContext(dir: string, root = REPO_ROOT): string[] {
  const out = spawnSync('git', ['checkout-index', '-a', `--prefix=${dir}/`], { cwd: root, encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`git checkout-index failed: ${out.stderr}`);
  const listed = spawnSync('git', ['ls-files', '-z', '--cached'], { cwd: root, encoding: 'utf8' });
  const ignorer = dockerignore({ ignorecase: false }).add(
    readFileSync(path.join(dir, '.dockerignore'), 'utf8').split('\n'),
  );
  return listed.stdout
    .split('\0')
    .filter((f) => f !== '' && existsSync(path.join(dir, f)))
    .filter((f) => !ignorer.ignores(f));
}

export interface LayoutLog {
  (line: string): void;
}

/** A path inside a stage: WORKDIR-relative, or absolute under WORKDIR. */
function inStage(stageDir: string, p: string): string {
  if (p.startsWith('/')) {
    if (p !== WORKDIR && !p.startsWith(`${WORKDIR}/`)) throw new Error(`${p} is outside ${WORKDIR}`);
    return path.join(stageDir, path.relative(WORKDIR, p));
  }
  return path.join(stageDir, p);
}

interface Context {
  dir: string;
  files: string[];
}

function copyFromContext(context: Context, stageDir: string, sources: string[], dest: string): number {
  const destDir = inStage(stageDir, dest);
  let copied = 0;
  for (const source of sources) {
    const prefix = source.replace(/^\.\//, '').replace(/\/$/, '');
    const files = context.files.filter((f) => f === prefix || f.startsWith(`${prefix}/`));
    if (files.length === 0) throw new Error(`COPY ${source}: not in the build context`);
    for (const file of files) {
      // A single file lands in dest/ (dest ends in /) or at dest; a directory's content lands in dest.
      const target =
        file === prefix
          ? dest.endsWith('/') || sources.length > 1
            ? path.join(destDir, path.basename(file))
            : destDir
          : path.join(destDir, path.relative(prefix, file));
      mkdirSync(path.dirname(target), { recursive: true });
      cpSync(path.join(context.dir, file), target);
      copied++;
    }
  }
  return copied;
}

function copyFromStage(fromDir: string, stageDir: string, sources: string[], dest: string): void {
  for (const source of sources) {
    const from = inStage(fromDir, source);
    if (!existsSync(from)) throw new Error(`COPY --from: ${source} does not exist in that stage`);
    const to =
      statSync(from).isDirectory() || !(dest.endsWith('/') || sources.length > 1)
        ? inStage(stageDir, dest)
        : path.join(inStage(stageDir, dest), path.basename(from));
    mkdirSync(path.dirname(to), { recursive: true });
    // Hard links: node_modules trees are large, and the stages are thrown away after the rehearsal.
    const result = spawnSync('cp', ['-al', `${from}${statSync(from).isDirectory() ? '/.' : ''}`, to]);
    if (result.status !== 0) cpSync(from, to, { recursive: true, verbatimSymlinks: true });
  }
}

/**
 * `npm ci` with every dependency, on the same package-lock.json as the checkout whose node_modules CI has
 * just installed with that very command: linked from the checkout instead of installed a second time.
 * Everything but the generated Prisma clients (node_modules/.prisma), which the stage generates itself.
 */
function reusableFullInstall(stageDir: string, command: string): boolean {
  if (!/^npm ci( --no-audit| --no-fund)*$/.test(command.trim())) return false;
  const lock = (dir: string) => readFileSync(path.join(dir, 'package-lock.json'), 'utf8');
  if (!existsSync(path.join(REPO_ROOT, 'node_modules', '.package-lock.json'))) return false;
  if (lock(stageDir) !== lock(REPO_ROOT)) return false;
  mkdirSync(path.join(stageDir, 'node_modules'));
  for (const entry of readdirSync(path.join(REPO_ROOT, 'node_modules'))) {
    if (entry === '.prisma') continue;
    symlinkSync(path.join(REPO_ROOT, 'node_modules', entry), path.join(stageDir, 'node_modules', entry));
  }
  return true;
}

function run(stageDir: string, command: string, env: NodeJS.ProcessEnv, log: LayoutLog): void {
  if (reusableFullInstall(stageDir, command)) {
    log(`  RUN ${command}: linked from the checkout's node_modules (same package-lock.json)`);
    return;
  }
  const started = Date.now();
  // Offline first: the packages are in the npm cache since CI's own `npm ci`.
  const result = spawnSync('sh', ['-c', command], {
    cwd: stageDir,
    env: { ...env, npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    throw new Error(`RUN ${command} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
  log(`  RUN ${command}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

export interface LaidOutImage {
  /** The final stage's WORKDIR, as the container sees /app. */
  dir: string;
  env: Record<string, string>;
  user?: string;
  cmd?: string[];
}

function applyStage(stage: Stage, dirs: Map<string, string>, context: Context, log: LayoutLog) {
  const dir = dirs.get(stage.name)!;
  const env: Record<string, string> = {};
  let user: string | undefined;
  let cmd: string[] | undefined;
  for (const i of stage.instructions as Instruction[]) {
    if (i.op === 'WORKDIR' && i.dir !== WORKDIR) throw new Error(`WORKDIR ${i.dir}: only ${WORKDIR}`);
    if (i.op === 'ENV') env[i.name] = i.value;
    if (i.op === 'USER') user = i.user;
    if (i.op === 'CMD') cmd = i.argv;
    if (i.op === 'RUN') run(dir, i.command, { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, log);
    if (i.op === 'COPY' && i.from === undefined) {
      log(
        `  COPY ${i.sources.join(' ')} ${i.dest}: ${copyFromContext(context, dir, i.sources, i.dest)} files`,
      );
    } else if (i.op === 'COPY') {
      const from = dirs.get(i.from!);
      if (!from) throw new Error(`COPY --from=${i.from}: no such stage`);
      copyFromStage(from, dir, i.sources, i.dest);
      log(`  COPY --from=${i.from} ${i.sources.join(' ')} ${i.dest}`);
    }
  }
  return { dir, env, user, cmd };
}

/** Builds every stage of the Dockerfile under `workDir` and returns the last one: the image. */
export function layOutImage(workDir: string, log: LayoutLog, root = REPO_ROOT): LaidOutImage {
  const contextDir = path.join(workDir, 'context');
  const context = { dir: contextDir, files: buildContext(contextDir, root) };
  const stages = parseDockerfile(readFileSync(path.join(contextDir, 'Dockerfile'), 'utf8'));
  const dirs = new Map(stages.map((s) => [s.name, path.join(workDir, `stage-${s.name}`)]));
  for (const dir of dirs.values()) mkdirSync(dir, { recursive: true });
  let last: LaidOutImage | undefined;
  for (const stage of stages) {
    log(`stage ${stage.name} (FROM ${stage.image})`);
    last = applyStage(stage, dirs, context, log);
  }
  if (!last) throw new Error('the Dockerfile has no stage');
  return last;
}
