/**
 * Preloaded into a service by the end-to-end bench (`--profile`) through
 * `NODE_OPTIONS=--require <this file>`: each SIGWINCH toggles the V8 CPU profiler of the process, and
 * stopping writes `<BENCH_CPU_PROF_DIR>/<BENCH_CPU_PROF_NAME>-<n>.cpuprofile` (open it in Chrome DevTools
 * or summarize it with cpu-profile-summary.ts). Unlike `node --cpu-prof` it does not depend on the process
 * exiting normally (Nest re-raises SIGTERM, which kills the process before `--cpu-prof` writes), and the
 * bench profiles exactly the window of one scenario.
 *
 * Never loaded by the services on their own: the bench sets the variable only for the processes it profiles.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.BENCH_CPU_PROF_DIR;
const name = process.env.BENCH_CPU_PROF_NAME ?? `pid${process.pid}`;

if (dir) {
  const session = new Session();
  session.connect();
  let running = false;
  let count = 0;
  // SIGWINCH: ignored by default (a process without this hook is unharmed) and not one of the signals
  // Nest's shutdown hooks stop the application on (SIGUSR2 is).
  process.on('SIGWINCH', () => {
    if (!running) {
      running = true;
      session.post('Profiler.enable', () =>
        session.post('Profiler.setSamplingInterval', { interval: 1000 }, () =>
          session.post('Profiler.start'),
        ),
      );
      return;
    }
    running = false;
    session.post('Profiler.stop', (error, result) => {
      if (error || !result) return;
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${name}-${++count}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
