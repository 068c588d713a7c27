import { defineConfig } from 'vite';

// Static assets that `runnel serve` serves at `/`: relative base so they also work under a
// prefix; everything bundled (no CDN, no web fonts).
export default defineConfig({
  base: './',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  // Stable file names: a rebuild of unchanged sources gives the same committed dist/.
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1000,
    rollupOptions: { output: { entryFileNames: 'assets/studio.js', chunkFileNames: 'assets/[name].js', assetFileNames: 'assets/[name][extname]' } },
  },
  test: { environment: 'happy-dom', include: ['src/**/*.test.ts', 'src/**/*.test.tsx'] },
} as never);
