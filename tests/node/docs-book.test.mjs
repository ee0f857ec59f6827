// `bash dev/docs` builds the book with mdBook without a warning or a link leaving it, a page for every chapter of docs/SUMMARY.md (skipped where mdBook is not installed: dev/setup installs it).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const PATH = `${join(homedir(), ".cargo", "bin")}:${process.env.PATH}`;
const mdbook = spawnSync("mdbook", ["--version"], { env: { ...process.env, PATH }, encoding: "utf8" });

test("bash dev/docs builds the book, every chapter a page, with no warning", { skip: mdbook.status !== 0 && "mdbook is not installed (bash dev/setup)" }, () => {
  const run = spawnSync("bash", ["dev/docs"], { cwd: root, env: { ...process.env, PATH }, encoding: "utf8", timeout: 60_000 });
  assert.equal(run.status, 0, run.stdout + run.stderr);
  const output = run.stdout + run.stderr;
  assert.doesNotMatch(output, /WARN|ERROR/);
  assert.match(run.stdout, /the book: .*target\/book\/index\.html$/m);
  const chapters = [...readFileSync(join(root, "docs/SUMMARY.md"), "utf8").matchAll(/\]\(([^)]+)\.md\)/g)]
    .map((m) => (m[1] === "README" ? "index" : m[1]));
  const missing = [...chapters, "repository-readme", "benchmarks"].filter((c) => !existsSync(join(root, "target/book", `${c}.html`)));
  assert.deepEqual(missing, []);
  // Every link between pages reaches a page and, where it names one, an anchor mdBook made.
  const book = join(root, "target/book");
  const pages = readdirSync(book).filter((f) => f.endsWith(".html") && f !== "print.html");
  const broken = [];
  for (const page of pages) {
    for (const [, file, anchor] of readFileSync(join(book, page), "utf8").matchAll(/href="([^"#:]*\.html)?(?:#([^"]*))?"/g)) {
      const target = file ?? page;
      if (!existsSync(join(book, target))) broken.push(`${page}: ${target}`);
      else if (anchor && !readFileSync(join(book, target), "utf8").includes(`id="${anchor}"`)) broken.push(`${page}: ${target}#${anchor}`);
    }
  }
  assert.deepEqual(broken, []);
  // The README's tour is in the book too, with its picture and links inside the book.
  const readme = readFileSync(join(root, "target/book/repository-readme.html"), "utf8");
  assert.match(readme, /<img src="preview\.png"/);
  assert.match(readme, /href="deploy\.html"/);
});
