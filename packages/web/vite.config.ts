import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The server serves what this builds from its static root (packages/server/public) at /.
// `npm run dev` serves the app with hot reload and sends the API's paths to a server on :5000.
const API_PATHS = ['/api', '/auth', '/user', '/sensor', '/location', '/model', '/service', '/docs'];

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../server/public', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // Each page is a chunk of its own (lazy routes), so the first load carries the shell only.
    chunkSizeWarningLimit: 450,
  },
  server: {
    proxy: Object.fromEntries(API_PATHS.map((prefix) => [prefix, { target: 'http://localhost:5000', ws: true }])),
  },
});
