// e2e's Playwright integration, the runner's side: a reporter that tells
// the e2e proxy when each test starts and ends (with its status), and
// makes every worker load e2e_playwright_worker.js, which names the test in
// the E2E-Test header of every request its browser contexts send.
//
// `e2e perf-profile -- npx playwright test` loads it by itself through
// PW_TEST_REPORTER (a reporter Playwright adds to the configured ones): no
// change to the tests or their configuration. Without E2E_CONTROL_URL (not
// run under perf-profile) it does nothing.
"use strict";
const path = require("path");
const { CONTROL_URL, testName, mark } = require("./e2e_common.js");

// Playwright's outcome in e2e's words (expected failures as pytest's xfail).
function status(test, result) {
  if (result.status === "skipped") return "skipped";
  if (result.status === "interrupted") return "error";
  const ok = result.status === "passed";
  if (test.expectedStatus === "failed") return ok ? "xpassed" : "xfailed";
  return ok ? "passed" : "failed";
}

class E2eReporter {
  constructor() {
    this.chain = Promise.resolve();
    if (!CONTROL_URL) return;
    // Workers are forked from this process with its environment.
    const hook = path.join(__dirname, "e2e_playwright_worker.js");
    const opt = '--require "' + hook.replace(/(["\\])/g, "\\$1") + '"';
    const old = process.env.NODE_OPTIONS || "";
    if (!old.includes(hook)) process.env.NODE_OPTIONS = old ? old + " " + opt : opt;
  }

  printsToStdio() {
    return false;
  }

  name(test) {
    const titles = test.titlePath().slice(1); // [project, file, describes..., title]
    return testName(titles[0], titles.slice(1));
  }

  // Markers go out in the order of the events, one after the other.
  send(verb, name, st) {
    this.chain = this.chain.then(() => mark(verb, name, st));
  }

  onTestBegin(test) {
    if (CONTROL_URL) this.send("start", this.name(test));
  }

  onTestEnd(test, result) {
    if (CONTROL_URL) this.send("end", this.name(test), status(test, result));
  }

  async onEnd() {
    await this.chain;
  }
}

module.exports = E2eReporter;
