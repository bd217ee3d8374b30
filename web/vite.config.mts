/**
 * The console's build: Preact through Vite's own JSX transform (oxc; no Babel plugin), bundled
 * into web/dist with every dependency inside, served under /ui/ by the local gateway and, in
 * AWS, by CloudFront from the console bucket. Nothing is fetched at run time but the API.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // Relative: the same bundle works under /ui/ locally and at the distribution's root in AWS.
  base: './',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 400 },
  logLevel: 'warn',
});
