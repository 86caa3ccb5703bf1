/// <reference types="vitest/config" />
import { defineConfig } from "vite";

import { bundleBudget } from "./scripts/bundle-budget.ts";

// The platform's edge: /api/<service>/... In development Vite serves the app and forwards the API
// to the edge of a running `./matjip up` (MATJIP_EDGE_URL, or the conventions' port plus the offset).
const edgeUrl =
  process.env.MATJIP_EDGE_URL ??
  `http://127.0.0.1:${8080 + Number(process.env.MATJIP_DEVSTACK_PORT_OFFSET ?? "0")}`;

// Vite's proxy streams responses, so the notification service's Server-Sent Events pass as they come.
const apiProxy = { "/api": { target: edgeUrl, changeOrigin: false } };

export default defineConfig({
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    target: "es2022",
    sourcemap: false,
    // The budget is checked below over all JavaScript, gzipped; Vite's own warning is per chunk.
    chunkSizeWarningLimit: 200,
  },
  plugins: [bundleBudget({ maxGzipKiB: 200 })],
  server: { host: "127.0.0.1", port: 5173, strictPort: false, proxy: apiProxy },
  preview: { host: "127.0.0.1", port: 4173, strictPort: false, proxy: apiProxy },
  test: {
    environment: "happy-dom",
    include: ["src/**/*.test.{ts,tsx}"],
    restoreMocks: true,
  },
});
