// Small DOM helpers of the preview: elements built from text (never from HTML), and coloured JSON.

/** An element: `text` sets its text, `on<event>` adds a listener, `data-*` / `aria-*` / a few others are attributes. */
export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key.startsWith("data-") || key.startsWith("aria-") || key === "role" || key === "type" || key === "id") node.setAttribute(key, value);
    else node[key] = value;
  }
  node.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

export const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

const HIGHLIGHT_LIMIT = 200_000;
const TOKEN = /("(?:\\.|[^"\\])*")(\s*:)?|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|\b(true|false|null)\b/g;

/** A <pre> holding pretty JSON text with light syntax colouring (text nodes only, never HTML). */
export function jsonBlock(text, label) {
  const pre = document.createElement("pre");
  pre.className = "json";
  if (label) pre.setAttribute("aria-label", label);
  if (text.length > HIGHLIGHT_LIMIT) {
    pre.textContent = text;
    return pre;
  }
  const fragment = document.createDocumentFragment();
  let last = 0;
  for (const match of text.matchAll(TOKEN)) {
    if (match.index > last) fragment.append(text.slice(last, match.index));
    const span = document.createElement("span");
    if (match[1] !== undefined) {
      span.className = match[2] ? "j-key" : "j-str";
      span.textContent = match[1];
      fragment.append(span);
      if (match[2]) fragment.append(match[2]);
    } else {
      span.className = match[3] !== undefined ? "j-num" : "j-lit";
      span.textContent = match[0];
      fragment.append(span);
    }
    last = match.index + match[0].length;
  }
  if (last < text.length) fragment.append(text.slice(last));
  pre.append(fragment);
  return pre;
}

/** A code block that scrolls gets a tab stop, so keyboard users can scroll it; the others stay out of the tab order. */
export function makeScrollersFocusable() {
  for (const pre of document.querySelectorAll("pre.json")) {
    const scrolls = pre.scrollHeight > pre.clientHeight + 1 || pre.scrollWidth > pre.clientWidth + 1;
    if (scrolls) pre.tabIndex = 0;
    else pre.removeAttribute("tabindex");
  }
}
