// Each test's request count to the service is the number its title ends
// in; tests/cli/playwright.sh asserts them exactly.
const { test, expect } = require("@playwright/test");

// Chromium asks the first page of a browser for /favicon.ico: answered
// here so that each test's count is its own.
test.beforeEach(async ({ context }) => {
  await context.route("**/favicon.ico", (route) => route.fulfill({ status: 204 }));
});

async function fetchAll(page, paths) {
  return page.evaluate(async (ps) => {
    const out = [];
    for (const p of ps) out.push((await fetch(p)).status);
    return out;
  }, paths);
}

test("health 1", async ({ page }) => {
  const r = await page.goto("/health");
  expect(r.status()).toBe(200);
});

test("users from the page 3", async ({ page }) => {
  await page.goto("/users");
  expect(await fetchAll(page, ["/users/1", "/users/2"])).toEqual([200, 200]);
});

test("api request 2", async ({ request }) => {
  expect((await request.get("/users/me")).status()).toBe(200);
  const r = await request.post("/orders", { data: { item: 1 } });
  expect(r.status()).toBe(201);
});

test.describe("orders", () => {
  test("by id 4", async ({ page }) => {
    await page.goto("/health");
    expect(await fetchAll(page, ["/orders/1", "/orders/2", "/orders/3"])).toEqual([200, 200, 200]);
  });

  test("café 100% 2", async ({ page }) => {
    await page.goto("/health");
    expect(await fetchAll(page, ["/users/7"])).toEqual([200]);
  });
});

test("failing 1", async ({ page }) => {
  await page.goto("/users/404");
  expect(await page.textContent("body")).toContain("this text is not there");
});

test("no http 0", async () => {
  expect(1 + 1).toBe(2);
});

test.skip("skipped 0", async ({ page }) => {
  await page.goto("/health");
});
