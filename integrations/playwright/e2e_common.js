// Shared by e2e's Playwright reporter and worker hook: the test's name as
// e2e knows it, the E2E-Test header's encoding of it, and the markers.
"use strict";
const http = require("http");

const CONTROL_URL = process.env.E2E_CONTROL_URL || "";
const HEADER = "E2E-Test";

// The name of a test: its project (when named), file, describe blocks and
// title, joined by " > ", the same in the runner and in the workers.
function testName(project, titles) {
  return [project, ...titles].filter(Boolean).join(" > ");
}

// The name as the header carries it: printable ASCII as is, every other
// byte of its UTF-8 (and '%') percent-encoded.
function headerValue(name) {
  let out = "";
  for (const b of Buffer.from(name, "utf8")) {
    out += b >= 0x20 && b < 0x7f && b !== 0x25 ? String.fromCharCode(b) : "%" + b.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

let warned = false;
function warnOnce(what) {
  if (warned) return;
  warned = true;
  process.stderr.write("e2e: playwright: warning: test marker " + what + "\n");
}

// Posts one marker; resolves when the proxy answered (a refusal or an
// unreachable proxy is one warning, never an error of the suite).
function mark(verb, name, status) {
  let url = CONTROL_URL + "/" + verb + "?name=" + encodeURIComponent(name);
  if (status) url += "&status=" + status;
  return new Promise((resolve) => {
    let req;
    try {
      req = http.request(url, { method: "POST", timeout: 10000, headers: { "Content-Length": 0 } }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d) => { if (body.length < 4096) body += d; });
        res.on("end", () => {
          if (res.statusCode < 200 || res.statusCode > 299) warnOnce("refused: " + body.trim());
          resolve();
        });
      });
    } catch (e) {
      warnOnce("not sent: " + e.message);
      resolve();
      return;
    }
    req.on("timeout", () => req.destroy(new Error("no answer within 10 s")));
    req.on("error", (e) => { warnOnce("not sent: " + e.message); resolve(); });
    req.end();
  });
}

module.exports = { CONTROL_URL, HEADER, testName, headerValue, mark };
