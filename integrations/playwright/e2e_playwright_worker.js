// e2e's Playwright integration, the workers' side (loaded with --require
// by e2e_playwright_reporter.js): every browser context and API request
// context created while a test runs sends the header E2E-Test: NAME, which
// the e2e proxy strips before forwarding. That keeps attribution exact with
// several workers running tests at once.
//
// It finds Playwright's client instrumentation (playwright-core's
// _instrumentation) and the test runner's currentTestInfo() as they are
// loaded; in any other Node process it does nothing.
"use strict";
const Module = require("module");
const { CONTROL_URL, HEADER, testName, headerValue } = require("./e2e_common.js");

let currentTestInfo = null;
const hooked = new WeakSet();

function currentHeader() {
  const info = currentTestInfo && currentTestInfo();
  if (!info) return null;
  return headerValue(testName(info.project && info.project.name, info.titlePath));
}

const listener = {
  // A browser context: its headers as created, plus the test's.
  async runAfterCreateBrowserContext(context) {
    const value = currentHeader();
    if (!value) return;
    const headers = {};
    for (const h of (context._options && context._options.extraHTTPHeaders) || []) headers[h.name] = h.value;
    headers[HEADER] = value;
    await context.setExtraHTTPHeaders(headers);
  },
  // An API request context (the request fixture): the project's headers
  // (which Playwright adds after this listener) and the test's.
  async runBeforeCreateRequestContext(options) {
    const value = currentHeader();
    if (!value) return;
    const info = currentTestInfo();
    const use = (info.project && info.project.use) || {};
    options.extraHTTPHeaders = {
      ...((use.contextOptions && use.contextOptions.extraHTTPHeaders) || {}),
      ...(use.extraHTTPHeaders || {}),
      ...(options.extraHTTPHeaders || {}),
      [HEADER]: value,
    };
  },
};

if (CONTROL_URL) {
  const load = Module._load;
  Module._load = function (request, parent, isMain) {
    const m = load.apply(this, arguments);
    if (m && typeof m === "object") {
      if (!currentTestInfo && typeof m.currentTestInfo === "function" && typeof m.setCurrentTestInfo === "function")
        currentTestInfo = m.currentTestInfo;
      const instr = m._instrumentation;
      if (instr && typeof instr.addListener === "function" && !hooked.has(m)) {
        hooked.add(m);
        instr.addListener(listener);
      }
    }
    return m;
  };
}
