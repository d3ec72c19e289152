/**
 * Keeps nest-cli.json honest against the folders: every app and every library is a project of its
 * kind, with its own root, source root and an entry file that exists, and every `@concord/*` import
 * path of tsconfig.json names a listed library.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');

interface Project {
  type: 'application' | 'library';
  root: string;
  entryFile: string;
  sourceRoot: string;
}

const nestCli = JSON.parse(readFileSync(path.join(ROOT, 'nest-cli.json'), 'utf8')) as {
  projects: Record<string, Project>;
};
const tsconfig = JSON.parse(readFileSync(path.join(ROOT, 'tsconfig.json'), 'utf8')) as {
  compilerOptions: { paths: Record<string, string[]> };
};

const folders = (dir: string) =>
  readdirSync(path.join(ROOT, dir))
    .filter((name) => statSync(path.join(ROOT, dir, name)).isDirectory())
    .sort();

describe('nest-cli.json', () => {
  it.each([
    ['apps', 'application'],
    ['libs', 'library'],
  ] as const)('lists every folder of %s/ as a project of type %s', (dir, type) => {
    const listed = Object.entries(nestCli.projects)
      .filter(([, p]) => p.type === type)
      .map(([name]) => name)
      .sort();
    expect(listed).toEqual(folders(dir));
  });

  it.each(Object.entries(nestCli.projects))('%s has its own root, source root and entry file', (name, p) => {
    const dir = p.type === 'application' ? 'apps' : 'libs';
    expect(p.root).toBe(`${dir}/${name}`);
    expect(p.sourceRoot).toBe(`${dir}/${name}/src`);
    expect(existsSync(path.join(ROOT, p.sourceRoot, `${p.entryFile}.ts`))).toBe(true);
  });

  it('lists the library of every @concord import path, at the same folder', () => {
    for (const [alias, [target]] of Object.entries(tsconfig.compilerOptions.paths)) {
      const name = alias.replace(/^@concord\//, '');
      expect(nestCli.projects[name]).toMatchObject({ type: 'library', sourceRoot: target });
    }
  });
});
