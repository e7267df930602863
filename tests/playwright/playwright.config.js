// The Playwright suite of e2e's tests (tests/cli/playwright.sh): an
// ordinary configuration with nothing of e2e in it. Debian's chromium, never
// a downloaded browser; the service's URL comes from perf-profile.
const { defineConfig } = require("@playwright/test");

module.exports = defineConfig({
  testDir: "tests",
  fullyParallel: true,
  workers: Number(process.env.PW_WORKERS || 1),
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL: process.env.E2E_PROXY_URL,
    extraHTTPHeaders: { "X-Suite": "playwright" },
    launchOptions: { executablePath: process.env.CHROMIUM || "/usr/bin/chromium" },
  },
});
