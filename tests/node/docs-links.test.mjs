// The README and the book in docs/ hold together: every relative link names a file of the repository that exists, and every anchor a heading of that file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const PAGES = ["README.md", "benches/README.md", "pkg/README.md", ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];

/** A heading's anchor as GitHub and mdBook make it: lowercase, punctuation dropped, spaces as hyphens. */
const anchorOf = (heading) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\- _]/gu, "").replaceAll(" ", "-");

/** The text of a page without its fenced code blocks (a link inside one is an example). */
const prose = (page) => readFileSync(join(root, page), "utf8").replace(/^```[\s\S]*?^```/gm, "");

function anchors(page) {
  return new Set([...prose(page).matchAll(/^#+ (.*)$/gm)].map((m) => anchorOf(m[1])));
}

test("every relative link of the README and the book reaches a file of the repository and, where it names one, a heading", () => {
  const broken = [];
  for (const page of PAGES) {
    for (const [, target] of prose(page).matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target)) continue;
      const [path, anchor] = target.split("#");
      const file = path ? normalize(join(dirname(page), path)) : page;
      if (file.startsWith("..")) broken.push(`${page}: ${target} (outside the repository)`);
      else if (!existsSync(join(root, file))) broken.push(`${page}: ${target} (no such file)`);
      else if (anchor && file.endsWith(".md") && !anchors(file).has(anchor)) broken.push(`${page}: ${target} (no such heading)`);
    }
  }
  assert.deepEqual(broken, []);
});

test("the README stays a page, and the book's table of contents lists every chapter", () => {
  assert.ok(readFileSync(join(root, "README.md")).length <= 12 * 1024, "README.md is at most 12 KB");
  const summary = readFileSync(join(root, "docs/SUMMARY.md"), "utf8");
  const listed = new Set([...summary.matchAll(/\]\(([^)]+\.md)\)/g)].map((m) => m[1]));
  const chapters = readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md") && f !== "SUMMARY.md");
  assert.deepEqual(chapters.filter((c) => !listed.has(c)), []);
});
