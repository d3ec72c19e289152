import { defineConfig } from 'tsup';

/**
 * The installable package: `index` for Node (node:crypto, node:http), `browser` for browsers and React
 * Native (noble, fetch), each as CommonJS (.js) and ES modules (.mjs), with their declarations. The
 * monorepo's `@concord/*` aliases are resolved into the output: the SDK imports only types of
 * libs/contracts, which the declarations carry inline (they refer to zod's types, a dependency).
 */
export default defineConfig({
  entry: { index: 'src/index.ts', browser: 'src/browser.ts' },
  format: ['cjs', 'esm'],
  outDir: 'dist',
  target: 'es2020',
  clean: true,
  splitting: false,
  tsconfig: '../../tsconfig.json',
  noExternal: [/^@concord\//],
  dts: {
    resolve: [/^@concord\//],
    entry: { index: 'src/index.ts', browser: 'src/browser.ts' },
    compilerOptions: { rootDir: '../..', composite: false, incremental: false },
  },
});
