// Browser tests: Playwright drives Debian's Chromium (Playwright's own browser download cannot work
// here) against a running platform's edge, which serves the built app at / and the services at /api.
//   MATJIP_APP_URL   the edge (default: the local stack's, with MATJIP_DEVSTACK_PORT_OFFSET)
//   MATJIP_CHROMIUM  the browser (default /usr/bin/chromium)
import { defineConfig } from "@playwright/test";

const offset = Number(process.env.MATJIP_DEVSTACK_PORT_OFFSET ?? "0");
const baseURL = process.env.MATJIP_APP_URL ?? `http://127.0.0.1:${8080 + offset}`;

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results/playwright",
  // Journeys wait for a saga across seven services on a shared two-core machine.
  timeout: 180_000,
  expect: { timeout: 20_000 },
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: true,
  reporter: [["list"], ["json", { outputFile: "test-results/browser.json" }]],
  use: {
    baseURL,
    locale: "ko-KR",
    timezoneId: "Asia/Seoul",
    actionTimeout: 20_000,
    navigationTimeout: 30_000,
    screenshot: "only-on-failure",
    trace: "off",
    launchOptions: {
      executablePath: process.env.MATJIP_CHROMIUM ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  projects: [{ name: "chromium", use: { browserName: "chromium" } }],
});
