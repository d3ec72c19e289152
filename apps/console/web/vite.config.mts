import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * The console's single-page app. `npm run build` writes it to dist/console-web, which the console backend
 * serves at `/`; `npx vite --config apps/console/web/vite.config.mts` serves it with hot reload and passes
 * /ops to a console started by `npm start` (CONSOLE_PORT 3300).
 */
const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../../..');

export default defineConfig({
  root: HERE,
  base: '/',
  plugins: [react()],
  resolve: {
    alias: {
      // The contract's browser-safe file by its path (the contracts index pulls in node-only modules).
      '@console-api': path.join(ROOT, 'libs/contracts/src/console-api.ts'),
      '@concord/chain-verify': path.join(ROOT, 'libs/chain-verify/src/index.ts'),
    },
  },
  build: {
    outDir: path.join(ROOT, 'dist/console-web'),
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 1500,
  },
  server: { proxy: { '/ops': `http://127.0.0.1:${process.env.CONSOLE_PORT ?? 3300}` } },
});
