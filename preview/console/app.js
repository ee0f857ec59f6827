// The console's shell: the session (sign in, sign out), the navigation between views by the URL's
// hash, and each view mounted into #view. Views live in their own folders and export
// `mount(root, context)`, returning an optional `unmount()`.
//
// The admin token is read from the form, POSTed once to /admin/session and dropped: the browser
// then holds only the HttpOnly session cookie, which no script can read.

import { api, whenSignedOut } from "./api.js";
import { time } from "./format.js";
import { forgetPicked } from "./picked.js";
import * as overview from "./overview/overview.js";
import * as inspector from "./inspector/inspector.js";
import * as tryView from "./try/try.js";
import * as versions from "./versions/versions.js";
import * as deadLetters from "./dead-letters/dead-letters.js";

const VIEWS = { overview, inspector, try: tryView, versions, "dead-letters": deadLetters };
const TITLES = { overview: "Overview", inspector: "Inspector", try: "Test a change", versions: "Versions", "dead-letters": "Dead letters" };
const $ = (id) => document.getElementById(id);

let current = null; // { name, unmount }
let signedIn = false;
const state = { mounted: 0, view: null };

function announce(text) {
  $("announcer").textContent = text;
}

/** Parses `#view?key=value&…` into { view, params }. */
function route() {
  const [name, query = ""] = location.hash.replace(/^#/, "").split("?");
  return { view: VIEWS[name] ? name : "overview", params: new URLSearchParams(query) };
}

/** Navigates to a view with parameters (kept in the hash, so a reload or a link shows the same). */
export function go(view, params = {}) {
  const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== "")).toString();
  const hash = `#${view}${query ? `?${query}` : ""}`;
  if (location.hash === hash) show();
  else location.hash = hash;
}

function show() {
  if (!signedIn) return;
  const { view, params } = route();
  if (current) current.unmount?.();
  const root = $("view");
  root.replaceChildren();
  for (const link of document.querySelectorAll("#nav a")) {
    if (link.dataset.view === view) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  document.title = `${TITLES[view]} · Segment → Bloomreach console`;
  current = { name: view, unmount: VIEWS[view].mount(root, { params, go, announce }) };
  state.view = view;
  state.mounted++;
}

function showSignIn(message = "") {
  signedIn = false;
  forgetPicked();
  if (current) current.unmount?.();
  current = null;
  $("view").replaceChildren();
  $("nav").hidden = true;
  $("session").hidden = true;
  $("signin").hidden = false;
  $("signin-error").textContent = message;
  document.title = "Sign in · Segment → Bloomreach console";
  $("token").focus();
}

function showConsole(session) {
  signedIn = true;
  $("signin").hidden = true;
  $("nav").hidden = false;
  $("session").hidden = false;
  $("session-state").textContent = session.expiresAt ? `Signed in until ${time(session.expiresAt).slice(11, 16)}` : "Signed in";
  show();
}

async function signIn(event) {
  event.preventDefault();
  const input = $("token");
  const token = input.value;
  input.value = "";
  $("signin-error").textContent = "";
  if (!token) {
    $("signin-error").textContent = "Paste the admin token.";
    input.focus();
    return;
  }
  $("signin-submit").disabled = true;
  try {
    await api("POST", "/admin/session", { token });
    const session = await api("GET", "/admin/session");
    showConsole(session);
    announce("Signed in.");
    $("main").focus();
  } catch (error) {
    $("signin-error").textContent = error.status === 401 ? "That is not the admin token." : error.status === 404 ? "This Worker has no ADMIN_TOKEN: the console is off." : `Sign-in failed: ${error.message}`;
    input.focus();
  } finally {
    $("signin-submit").disabled = false;
  }
}

async function signOut() {
  try {
    await api("DELETE", "/admin/session");
  } finally {
    showSignIn("");
    announce("Signed out.");
  }
}

async function start() {
  $("signin-form").addEventListener("submit", signIn);
  $("sign-out").addEventListener("click", signOut);
  window.addEventListener("hashchange", show);
  whenSignedOut(() => showSignIn("Your session ended: sign in again."));
  try {
    showConsole(await api("GET", "/admin/session"));
  } catch (error) {
    showSignIn(error.status === 404 ? "This Worker has no ADMIN_TOKEN: the console is off." : "");
  }
}

// For the browser tests: which view is mounted, and how often.
window.__console = { state };
start();
