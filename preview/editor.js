// A JSON editor: a textarea over a line-number gutter, with bands across the lines that have a
// problem. Tab indents (Shift+Tab outdents), Enter keeps the indentation, and Esc then Tab leaves
// the editor, so the keyboard never gets trapped.

import { h } from "./dom.js";

function lineCount(text) {
  let n = 1;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

export class JsonEditor {
  /** `root` holds a `.gutter` and a `.code` with the textarea. */
  constructor(root) {
    this.root = root;
    this.area = root.querySelector("textarea");
    this.gutter = root.querySelector(".gutter");
    this.code = root.querySelector(".code");
    this.marks = []; // 1-based lines with a problem, ascending
    this.bands = [];
    this.gutterKey = "";
    this.lastSpot = "";
    this.escapeArmed = false;
    this.area.addEventListener("keydown", (event) => this.onKey(event));
    this.area.addEventListener("scroll", () => this.syncScroll());
    this.area.addEventListener("input", () => this.renderGutter());
    if (typeof ResizeObserver === "function") new ResizeObserver(() => this.syncScroll()).observe(this.area);
    this.renderGutter();
  }

  get value() {
    return this.area.value;
  }

  /** Replaces the text (an example, a stored draft), scrolled to the top. */
  setText(text) {
    this.area.value = text;
    this.area.scrollTop = 0;
    this.renderGutter();
  }

  /**
   * Marks these lines as having a problem (a red number in the gutter, a band across the line,
   * aria-invalid). When `spot` (which problem, where) changes, the first line is scrolled into view.
   */
  mark(lines, spot = "") {
    const total = lineCount(this.area.value);
    this.marks = [...new Set(lines)].filter((line) => line >= 1 && line <= total).sort((a, b) => a - b);
    while (this.bands.length < this.marks.length) {
      const band = h("div", { class: "error-band" });
      this.code.insertBefore(band, this.area);
      this.bands.push(band);
    }
    this.bands.forEach((band, i) => {
      band.hidden = i >= this.marks.length;
    });
    this.renderGutter();
    this.root.classList.toggle("has-error", this.marks.length > 0);
    if (this.marks.length) this.area.setAttribute("aria-invalid", "true");
    else this.area.removeAttribute("aria-invalid");
    if (!this.marks.length) this.lastSpot = "";
    else if (spot !== this.lastSpot) {
      this.lastSpot = spot;
      this.scrollLineIntoView(this.marks[0]);
    }
    this.syncScroll();
  }

  renderGutter() {
    const lines = lineCount(this.area.value);
    const key = `${lines}:${this.marks.join(",")}`;
    if (key === this.gutterKey) return;
    this.gutterKey = key;
    const numbers = (from, to) => {
      let text = "";
      for (let n = from; n <= to; n++) text += `${n}\n`;
      return text;
    };
    const parts = [];
    let next = 1;
    for (const line of this.marks) {
      if (line > lines) break;
      parts.push(numbers(next, line - 1), h("span", { class: "err", text: String(line) }), "\n");
      next = line + 1;
    }
    // Extra blank lines leave room to scroll in step with the textarea's horizontal scrollbar.
    parts.push(`${numbers(next, lines)}\n\n`);
    this.gutter.replaceChildren(...parts);
    this.syncScroll();
  }

  lineHeight() {
    return parseFloat(getComputedStyle(this.area).lineHeight) || 20;
  }

  paddingTop() {
    return parseFloat(getComputedStyle(this.area).paddingTop) || 0;
  }

  syncScroll() {
    this.gutter.scrollTop = this.area.scrollTop;
    if (!this.marks.length) return;
    const top = this.paddingTop() - this.area.scrollTop;
    const height = this.lineHeight();
    this.marks.forEach((line, i) => {
      this.bands[i].style.top = `${top + (line - 1) * height}px`;
    });
  }

  scrollLineIntoView(line) {
    const top = this.paddingTop() + (line - 1) * this.lineHeight();
    const view = this.area.clientHeight;
    if (top < this.area.scrollTop || top + this.lineHeight() > this.area.scrollTop + view) {
      this.area.scrollTop = Math.max(0, top - view / 3);
    }
  }

  /** Puts the caret at `offset` (selecting the character there) and scrolls its line into view. */
  goTo(offset, line) {
    this.area.focus();
    this.area.setSelectionRange(offset, Math.min(offset + 1, this.area.value.length));
    this.scrollLineIntoView(line);
    this.syncScroll();
  }

  /** Inserts text at the selection, keeping the browser's undo history where it can. */
  insertText(text) {
    if (!document.execCommand || !document.execCommand("insertText", false, text)) {
      this.area.setRangeText(text, this.area.selectionStart, this.area.selectionEnd, "end");
      this.area.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }

  onKey(event) {
    const area = this.area;
    if (event.key === "Escape") {
      this.escapeArmed = true;
      return;
    }
    if (event.key === "Tab" && !event.ctrlKey && !event.altKey && !event.metaKey) {
      if (this.escapeArmed) {
        this.escapeArmed = false;
        return; // let the focus move on
      }
      event.preventDefault();
      const { value, selectionStart, selectionEnd } = area;
      const lineStart = value.lastIndexOf("\n", selectionStart - 1) + 1;
      const multiLine = value.slice(selectionStart, selectionEnd).includes("\n");
      if (!event.shiftKey && !multiLine) {
        this.insertText("  ");
        return;
      }
      // Indent or outdent every selected line.
      const block = value.slice(lineStart, selectionEnd);
      const changed = event.shiftKey ? block.replace(/^ {1,2}/gm, "") : block.replace(/^/gm, "  ");
      area.setSelectionRange(lineStart, selectionEnd);
      this.insertText(changed);
      area.setSelectionRange(lineStart, lineStart + changed.length);
      return;
    }
    this.escapeArmed = false;
    if (event.key === "Enter" && !event.shiftKey && !event.ctrlKey && !event.altKey && !event.metaKey) {
      const { value, selectionStart } = area;
      const lineStart = value.lastIndexOf("\n", selectionStart - 1) + 1;
      const indent = /^[ \t]*/.exec(value.slice(lineStart, selectionStart))[0];
      const before = value.slice(0, selectionStart).trimEnd().slice(-1);
      const extra = before === "{" || before === "[" ? "  " : "";
      event.preventDefault();
      this.insertText("\n" + indent + extra);
    }
  }
}
