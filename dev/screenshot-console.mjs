// Screenshots of the console's views into docs/ (console-overview.png, …), taken by the console's
// browser test against its `wrangler dev` with real traffic: CONSOLE_SCREENSHOTS=1 node --test tests/browser/console.test.mjs

import { fileURLToPath } from "node:url";
import path from "node:path";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Signs in at `origin` in a new browser context and saves each view, and the inspector at phone
 * width; the dead letters from `queueOrigin` (a queue-mode Worker with the same token).
 */
export async function screenshotConsole(browser, origin, token, { queueOrigin = origin, dir = path.join(ROOT, "docs") } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  try {
    const page = await context.newPage();
    await page.goto(`${origin}/console/`);
    await page.waitForSelector("#signin:not([hidden])");
    await page.screenshot({ path: path.join(dir, "console-signin.png") });
    await page.fill("#token", token);
    await page.click("#signin-submit");
    await page.waitForSelector("#nav:not([hidden])");
    const show = async (hash, ready) => {
      await page.evaluate((h) => {
        location.hash = h;
      }, hash);
      await page.waitForSelector(ready);
      await page.waitForTimeout(300);
    };
    await show("#overview", '[data-source="web"] canvas');
    await page.screenshot({ path: path.join(dir, "console-overview.png"), fullPage: true });
    await show("#inspector?source=app", "#event-rows tr[data-outcome='rejected'] button");
    await page.click("#event-rows tr[data-outcome='rejected'] button");
    await page.waitForSelector(".event-detail");
    await page.screenshot({ path: path.join(dir, "console-inspector.png") });
    await show("#inspector?source=web&event=Signed%20Up", "#event-rows tr[data-id] button");
    await page.click("#event-rows tr[data-id] button");
    await page.click("text=Test a change on this event");
    await page.waitForFunction(() => document.getElementById("try-settings")?.value.includes("registration"));
    await page.fill("#try-settings", (await page.inputValue("#try-settings")).replace('"registration"', '"signed_up"'));
    await page.click("#try-run");
    await page.waitForSelector("#try-summary");
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(dir, "console-try.png") });
    await show("#versions", '[data-diff="2"]');
    await page.click('[data-diff="2"]');
    await page.waitForSelector("#diff-2 .change");
    await page.screenshot({ path: path.join(dir, "console-versions.png") });
    await page.goto(`${queueOrigin}/console/#dead-letters`);
    await page.waitForSelector("tr[data-letter]");
    await page.screenshot({ path: path.join(dir, "console-dead-letters.png") });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${origin}/console/#overview`);
    await page.waitForSelector("#nav:not([hidden])");
    await show("#inspector?source=web", "#event-rows tr[data-id] button");
    await page.screenshot({ path: path.join(dir, "console-phone.png") });
  } finally {
    await context.close();
  }
  // The overview in the dark theme (the charts' axes follow the text colour).
  const dark = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1, colorScheme: "dark" });
  try {
    const page = await dark.newPage();
    await page.goto(`${origin}/console/`);
    await page.fill("#token", token);
    await page.click("#signin-submit");
    await page.waitForSelector('[data-source="web"] canvas');
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(dir, "console-overview-dark.png") });
  } finally {
    await dark.close();
  }
}
