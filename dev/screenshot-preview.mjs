// Screenshots of the mapping preview: docs/preview.png for the README (also made by the browser test); `--all DIR` adds phone, dark and error views.

import { fileURLToPath } from "node:url";
import path from "node:path";
import { chromium } from "playwright-core";
import { startStaticServer } from "../tests/browser/static-server.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const SCREENSHOT = path.join(ROOT, "docs", "preview.png");

export const CHROMIUM = {
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
};

/**
 * Opens the preview at `origin` with one example selected and saves a viewport screenshot. With
 * `rules` (a Rules panel example's id), that example is applied (it loads the events it was made
 * for) and the input panel is scrolled to show the end of the events and the rules.
 */
export async function screenshotPreview(
  browser,
  origin,
  file,
  { width = 1280, height = 1250, colorScheme = "light", example = "batch", rules = "order-lines", text = null, fullPage = false } = {},
) {
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1, colorScheme });
  try {
    const page = await context.newPage();
    await page.goto(`${origin}/#${example}`);
    await page.waitForFunction(() => window.__preview?.snapshot().renders > 0);
    if (rules) {
      await page.evaluate(() => {
        document.getElementById("rules-box").open = true; // folded on a phone
      });
      await page.click(`[data-rule-example="${rules}"]`);
      await page.waitForFunction(() => window.__preview.snapshot().rules.applied === "current");
      await page.evaluate(() => {
        const panel = document.querySelector(".input-panel");
        panel.scrollTop = document.getElementById("rules-box").offsetTop - panel.offsetTop - 260;
        window.scrollTo(0, 0);
      });
    }
    if (text !== null) {
      await page.fill("#json", text);
      await page.waitForFunction((t) => window.__preview.snapshot().text === t, text);
    }
    await page.screenshot({ path: file, fullPage });
  } finally {
    await context.close();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const server = await startStaticServer(path.join(ROOT, "preview"));
  const browser = await chromium.launch(CHROMIUM);
  try {
    await screenshotPreview(browser, server.origin, SCREENSHOT);
    console.log(`wrote ${path.relative(ROOT, SCREENSHOT)}`);
    const all = process.argv.indexOf("--all");
    if (all !== -1) {
      const dir = process.argv[all + 1] || "/tmp";
      const views = [
        ["desktop-full", { fullPage: true, example: "page", rules: null, width: 1440 }],
        ["desktop-dark", { colorScheme: "dark" }],
        ["desktop-classic", { rules: null }],
        ["desktop-rename", { rules: "rename" }],
        ["desktop-error", { text: '{\n  "type": "track",\n  "event" "Signed Up"\n}', rules: null, width: 1440, height: 700 }],
        ["desktop-error-dark", { text: '{\n  "type": "track",\n  "event" "Signed Up"\n}', rules: null, width: 1440, height: 700, colorScheme: "dark" }],
        ["phone", { width: 390, height: 844, rules: null }],
        ["phone-full", { width: 390, height: 844, fullPage: true, example: "batch", rules: "rename" }],
        ["phone-dark", { width: 390, height: 844, colorScheme: "dark", example: "identify", rules: "customer" }],
        ["tablet", { width: 820, height: 1100, example: "track" }],
      ];
      for (const [name, options] of views) {
        const file = path.join(dir, `preview-${name}.png`);
        await screenshotPreview(browser, server.origin, file, options);
        console.log(`wrote ${file}`);
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }
}
