// Secrets on screen and in what the page copies: the Authorization header masked unless the user
// asks to see it, and curl commands that read the secrets from environment variables.

function maskAuthorization(value) {
  if (value.startsWith("Token ")) {
    const key = value.slice(6);
    return key.length >= 8 ? `Token ••••${key.slice(-4)}` : "Token ••••";
  }
  if (value.startsWith("Basic ")) return "Basic ••••";
  return "••••";
}

export function shownHeaders(headers, reveal) {
  const out = {};
  for (const [name, value] of Object.entries(headers)) {
    out[name] = name.toLowerCase() === "authorization" && !reveal ? maskAuthorization(value) : value;
  }
  return out;
}

const shellQuote = (s) => "'" + s.replace(/'/g, "'\\''") + "'";

/** A curl command for one request; with secrets hidden it reads them from environment variables. */
export function curlCommand(request, reveal) {
  const parts = [`curl -X ${request.method} ${shellQuote(request.url)}`];
  for (const [name, value] of Object.entries(request.headers)) {
    if (name.toLowerCase() !== "authorization" || reveal) {
      parts.push(`-H ${shellQuote(`${name}: ${value}`)}`);
    } else if (value.startsWith("Basic ")) {
      parts.push(`-u "$BLOOMREACH_API_KEY:$BLOOMREACH_API_SECRET"`);
    } else {
      parts.push(`-H "Authorization: Token $BLOOMREACH_API_KEY"`);
    }
  }
  parts.push(`--data-raw ${shellQuote(request.body)}`);
  return parts.join(" \\\n  ");
}

/** Copies text to the clipboard, says so on the button and to screen readers (`announcer`). */
export async function copyText(text, button, what, announcer) {
  let ok = false;
  try {
    await navigator.clipboard.writeText(text);
    ok = true;
  } catch {
    // Clipboard API unavailable (plain http on a LAN address, older browsers): fall back.
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.append(area);
    area.select();
    try {
      ok = document.execCommand("copy");
    } catch {
      ok = false;
    }
    area.remove();
    button.focus();
  }
  const label = button.dataset.label || button.textContent;
  button.dataset.label = label;
  button.textContent = ok ? "Copied ✓" : "Copy failed";
  announcer.textContent = ok ? `Copied ${what}.` : `Could not copy ${what}; select the text and copy it by hand.`;
  setTimeout(() => {
    button.textContent = label;
  }, 1500);
}

