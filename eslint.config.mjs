// ESLint flat config: typescript-eslint recommended rules plus prettier as a lint rule, so that
// `npm run lint` is the single check for both style and obvious mistakes, and the architecture rules
// below, so that the layering the design brief asks for is checked rather than remembered.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-plugin-prettier/recommended';

const ROOT = path.dirname(fileURLToPath(import.meta.url));

/**
 * Libs without an index have no public surface that an alias could name (tsconfig maps `@concord/<lib>`
 * to its `src` folder only), so a relative path is the only way into them until they get one.
 */
const LIBS_WITHOUT_INDEX = new Set(
  fs
    .readdirSync(path.join(ROOT, 'libs'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && !fs.existsSync(path.join(ROOT, 'libs', d.name, 'src', 'index.ts')))
    .map((d) => d.name),
);

/** `apps/<name>` or `libs/<name>` of a path inside the repository, or null outside both. */
function unitOf(absolutePath) {
  const [top, name] = path.relative(ROOT, absolutePath).split(path.sep);
  return (top === 'apps' || top === 'libs') && name ? { top, name } : null;
}

/**
 * The architecture of the repository as import rules: an app never imports another app (apps talk through
 * Kafka and HTTP, with types from libs/contracts), a lib never imports an app (libs are shared code), and
 * code outside a lib reaches it through its `@concord/<lib>` alias, never by a relative path into its
 * folder, so that a lib's index is its public surface. Relative specifiers are resolved against the
 * importing file; `@concord/*` aliases always point into a lib's index, so they break none of these.
 */
const architecture = {
  meta: {
    type: 'problem',
    docs: { description: 'keeps apps and libs apart as the design brief lays them out' },
    schema: [],
    messages: {
      appToApp: '{{from}} must not import from {{to}}: apps talk through Kafka and HTTP (libs/contracts).',
      libToApp: '{{from}} must not import from {{to}}: libs never depend on an app.',
      relativeLib:
        'Import {{to}} through its alias @concord/{{lib}}, not by a relative path into its folder.',
    },
  },
  create(context) {
    const from = unitOf(context.filename);
    if (!from) return {};
    const check = (node, source) => {
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      const to = unitOf(path.resolve(path.dirname(context.filename), source));
      if (!to || (to.top === from.top && to.name === from.name)) return;
      const names = { from: `${from.top}/${from.name}`, to: `${to.top}/${to.name}`, lib: to.name };
      if (to.top === 'apps') {
        context.report({ node, messageId: from.top === 'apps' ? 'appToApp' : 'libToApp', data: names });
      } else if (!LIBS_WITHOUT_INDEX.has(to.name)) {
        context.report({ node, messageId: 'relativeLib', data: names });
      }
    };
    const declaration = (node) => node.source && check(node.source, node.source.value);
    return {
      ImportDeclaration: declaration,
      ExportNamedDeclaration: declaration,
      ExportAllDeclaration: declaration,
      ImportExpression: (node) => node.source.type === 'Literal' && check(node.source, node.source.value),
      CallExpression: (node) => {
        const [arg] = node.arguments;
        const callee = node.callee;
        const isRequire = callee.type === 'Identifier' && callee.name === 'require';
        const isJestMock =
          callee.type === 'MemberExpression' &&
          callee.object.type === 'Identifier' &&
          callee.object.name === 'jest' &&
          callee.property.type === 'Identifier' &&
          ['mock', 'requireActual', 'doMock'].includes(callee.property.name);
        if ((isRequire || isJestMock) && arg?.type === 'Literal') check(arg, arg.value);
      },
    };
  },
};

/**
 * Files that broke the import rules when the rules came in and were left as they were: each is a known
 * debt, and no new file may join the list.
 * - libs/devtools' infra settings and topics are loaded by jest's globalSetup, which has no
 *   moduleNameMapper, so they must keep relative paths into libs/config and libs/contracts.
 * - The ledger's engine and quote specs sign real FX quotes with the fx app's calculator and signer,
 *   which belong in a lib (for example libs/contracts next to checkQuote).
 */
const IMPORT_RULE_DEBT = [
  'libs/devtools/src/infra/settings.ts',
  'libs/devtools/src/infra/topics.ts',
  'apps/ledger/src/engine/ledger-engine.spec.ts',
  'apps/ledger/src/engine/ledger-quotes.spec.ts',
];

/**
 * Files with functions over the 70-line guideline when it came in; the warning is off for them until
 * they are split, so that `npm run lint` (which allows no warnings) passes and no new long function
 * appears elsewhere. Their long functions: QuoteService.quote,
 * statementToCamt053, and in the e2e bench runChecks, main
 * (and a callback in it) and stageBreakdown.
 */
const LONG_FUNCTION_DEBT = [
  'apps/fx/src/quotes/quote.service.ts',
  'apps/gateway/src/statements/statement.builder.ts',
  'libs/devtools/src/bench/checks.ts',
  'libs/devtools/src/bench/e2e-bench.ts',
  'libs/devtools/src/bench/stages.ts',
];

export default tseslint.config(
  { ignores: ['**/dist/**', 'node_modules/**', '.data/**', 'prisma/migrations/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['apps/**/*.{ts,tsx,js,mjs}', 'libs/**/*.{ts,tsx,js,mjs}'],
    plugins: { concord: { rules: { architecture } } },
    rules: { 'concord/architecture': 'error' },
  },
  { files: IMPORT_RULE_DEBT, rules: { 'concord/architecture': 'off' } },
  {
    // Tests are long describe blocks of short examples; the guideline is for the code they test.
    files: ['apps/**/*.{ts,tsx}', 'libs/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/*-spec.ts', '**/test/**', '**/*.fixtures.ts'],
    rules: {
      'max-lines-per-function': ['warn', { max: 70, skipBlankLines: true, skipComments: true, IIFEs: true }],
    },
  },
  { files: LONG_FUNCTION_DEBT, rules: { 'max-lines-per-function': 'off' } },
);
