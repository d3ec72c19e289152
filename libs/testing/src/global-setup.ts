import { infraUp } from '../../devtools/src/infra/infra';

/**
 * Runs once before the test projects: the integration and end-to-end suites talk to a real Kafka,
 * PostgreSQL and Redis. Kafka is started here when it is not running; the others must be up already.
 * Unit runs (`--selectProjects unit`) skip this.
 */
export default async function globalSetup(): Promise<void> {
  const projects = process.argv.join(' ');
  if (/--selectProjects[= ]unit(\s|$)/.test(projects) && !/integration|e2e/.test(projects)) return;
  await infraUp({ log: (line) => process.stderr.write(`  infra: ${line}\n`) });
}
