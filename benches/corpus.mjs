// Deterministic benchmark corpus: realistic Segment events of every call type in three sizes, as bodies.
//
// One generator for every benchmark (criterion in Rust, Node, workerd) and for the JS-reference
// equivalence test, so they all measure the same bytes. Nothing random: a seeded PRNG, fixed
// templates, fixed clock.
//
//   small    ~250-400 B: what a server-side library sends (no context beyond `library`)
//   typical  ~1 KB: analytics.js / mobile with the full `context`
//   large    ~16 KB: the full context plus nested properties (a cart of products, nested objects)
//
// Module: event(type, size, i), body(size, count) → `{"batch": [...]}` text, file(name), files().
// CLI:    node benches/corpus.mjs <dir>   writes every file of files() into <dir> (the Rust
//         benches do this themselves into target/bench-corpus/ when it is missing).
import { mkdirSync, writeFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const CALL_TYPES = ["track", "page", "screen", "identify", "group", "alias"];
export const SIZES = ["small", "typical", "large"];
export const COUNTS = [1, 100, 1000];
/** Settings the benchmarks map with (the golden fixtures' base settings, values inlined). */
export const SETTINGS = {
  apiBaseUrl: "https://api.exponea.com/",
  apiKey: "public-key-123",
  projectToken: "0a1b2c3d-4e5f-6789-abcd-ef0123456789",
  exponeaHardId: "registered",
  exponeaSoftId: "cookie",
};

/** The mix of call types in a batch, as production traffic looks: mostly track and page. */
export const MIX = ["track", "page", "track", "identify", "track", "page", "track", "screen", "track", "page",
  "track", "group", "track", "page", "track", "identify", "track", "screen", "track", "alias"];

const BASE_TIME = Date.UTC(2024, 2, 4, 15, 32, 56, 409);
const EVENT_NAMES = ["Product Viewed", "Product Added", "Checkout Started", "Order Completed", "Signed Up", "Video Playback Started"];
const PAGES = [["Home", "/"], ["Pricing", "/pricing"], ["Product", "/p/sneaker-42"], ["Cart", "/cart"], ["Blog", "/blog/how-to-run"]];
const SCREENS = ["Feed", "Product Detail", "Settings", "Checkout"];
const CITIES = [["New York", "United States", 40.71, -74.01], ["Berlin", "Germany", 52.52, 13.4], ["Bratislava", "Slovakia", 48.15, 17.11], ["São Paulo", "Brazil", -23.55, -46.63]];
const WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima"];

function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hex(rand, n) {
  let s = "";
  for (let i = 0; i < n; i++) s += Math.floor(rand() * 16).toString(16);
  return s;
}
const uuid = (rand) => `${hex(rand, 8)}-${hex(rand, 4)}-4${hex(rand, 3)}-a${hex(rand, 3)}-${hex(rand, 12)}`;
const pick = (rand, list) => list[Math.floor(rand() * list.length)];
const iso = (ms) => new Date(ms).toISOString();

/** The full `context` analytics.js or a mobile library sends. */
function fullContext(rand, type, i) {
  const [city, country, lat, lon] = pick(rand, CITIES);
  const [title, path] = pick(rand, PAGES);
  const mobile = type === "screen";
  return {
    active: true,
    app: { name: "Shop", version: `3.${i % 10}.1`, build: String(300 + (i % 50)), namespace: "com.example.shop" },
    campaign: { name: "spring-sale", source: "newsletter", medium: "email", term: "running shoes", content: "hero-banner" },
    device: mobile
      ? { id: uuid(rand), advertisingId: uuid(rand), adTrackingEnabled: false, manufacturer: "Apple", model: "iPhone15,2", name: "iPhone", type: "ios" }
      : { type: "desktop" },
    ip: `203.0.113.${i % 250}`,
    library: mobile ? { name: "analytics-ios", version: "4.1.8" } : { name: "analytics.js", version: "next-1.70.0" },
    locale: "en-US",
    location: { city, country, latitude: lat, longitude: lon, speed: 0 },
    network: { bluetooth: false, carrier: "T-Mobile US", cellular: mobile, wifi: !mobile },
    os: mobile ? { name: "iOS", version: "17.4.1" } : { name: "Mac OS X", version: "14.4" },
    page: { path, referrer: "https://www.google.com/", search: "?utm_source=newsletter", title, url: `https://shop.example${path}` },
    referrer: { type: "search", name: "google", url: "https://www.google.com/search?q=running+shoes", link: "https://www.google.com/" },
    screen: { width: mobile ? 390 : 1920, height: mobile ? 844 : 1080, density: mobile ? 3 : 1 },
    timezone: "America/New_York",
    userAgent: mobile
      ? "Shop/3.2.1 (iPhone; iOS 17.4.1; Scale/3.00)"
      : "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36",
  };
}

function product(rand, n) {
  return {
    product_id: `sku-${1000 + n}`,
    sku: `SNK-${hex(rand, 6).toUpperCase()}`,
    category: pick(rand, ["Footwear", "Apparel", "Accessories"]),
    name: `${pick(rand, WORDS)} runner ${n}`,
    brand: pick(rand, ["Acme", "Globex", "Initech"]),
    variant: pick(rand, ["red", "blue", "black"]),
    price: Math.round(rand() * 20000) / 100,
    quantity: 1 + Math.floor(rand() * 3),
    position: n,
    url: `https://shop.example/p/${n}`,
    image_url: `https://cdn.shop.example/img/${hex(rand, 16)}.jpg`,
    attributes: { color: pick(rand, WORDS), size: 36 + (n % 12), material: { upper: "mesh", sole: "rubber", recycled: n % 2 === 0 }, dimensions: { w: 11.5, h: 12, d: 31.25 } },
    tags: [pick(rand, WORDS), pick(rand, WORDS)],
  };
}

/** Nested properties or traits grown until the whole event is about `target` bytes. */
function grow(event, holder, rand, target) {
  holder.shipping = { method: "express", address: { street: "1 Main St", city: "New York", zip: "10001", geo: { lat: 40.71, lon: -74.01 } } };
  holder.experiments = { checkout_v2: { variant: "b", since: "2024-02-01" }, search_ranking: { variant: "control", weight: 0.25 } };
  holder.products = [];
  let size = JSON.stringify(event).length;
  for (let n = 0; size < target; n++) {
    const item = product(rand, n);
    holder.products.push(item);
    size += JSON.stringify(item).length + (n > 0 ? 1 : 0);
  }
}

/** One Segment event of `type` and `size`; `i` makes messageId, IDs and time unique and stable. */
export function event(type, size, i = 0) {
  const rand = prng(0x5e6 + i * 7919 + CALL_TYPES.indexOf(type) * 104729 + SIZES.indexOf(size) * 15485863);
  const anonymousId = uuid(rand);
  const known = type === "alias" || type === "identify" || type === "group" || i % 3 !== 0;
  const time = BASE_TIME + i * 1537;
  const e = { type, messageId: `ajs-next-${time}-${hex(rand, 12)}` };
  if (known) e.userId = `user-${100000 + ((i * 7) % 90000)}`;
  if (type !== "alias") e.anonymousId = anonymousId;
  switch (type) {
    case "track":
      e.event = pick(rand, EVENT_NAMES);
      e.properties = size === "small"
        ? { product_id: `sku-${i}`, price: 19.99, currency: "USD" }
        : { product_id: `sku-${i}`, sku: `SNK-${hex(rand, 6)}`, name: "Trail runner", category: "Footwear", brand: "Acme", variant: "red", price: 129.5, quantity: 1, currency: "USD", value: 129.5, coupon: null, url: "https://shop.example/p/sneaker-42" };
      break;
    case "page": {
      const [name, path] = pick(rand, PAGES);
      e.name = name;
      e.properties = size === "small"
        ? { path, url: `https://shop.example${path}` }
        : { path, referrer: "https://www.google.com/", search: "", title: `${name} | Shop`, url: `https://shop.example${path}`, category: "marketing" };
      break;
    }
    case "screen":
      e.name = pick(rand, SCREENS);
      e.properties = size === "small" ? { feed_type: "private" } : { feed_type: "private", items_shown: 24, scroll_depth: 0.6, ab_group: "b" };
      break;
    case "identify":
      e.traits = size === "small"
        ? { email: `user${i}@example.com`, plan: "pro" }
        : { email: `user${i}@example.com`, firstName: "Ada", lastName: "Lovelace", plan: "pro", logins: 5 + (i % 40), createdAt: "2023-11-02T10:00:00.000Z", newsletter: true, phone: "+1 555 0100", address: { street: "6th St", city: "San Francisco", state: "CA", postalCode: "94103", country: "USA" } };
      break;
    case "group":
      e.groupId = `org-${i % 500}`;
      e.traits = size === "small" ? { name: "Initech", plan: "enterprise" } : { name: "Initech", industry: "Technology", employees: 329, plan: "enterprise", "total billed": 830, website: "https://initech.example", address: { city: "Austin", country: "USA" } };
      break;
    case "alias":
      e.previousId = anonymousId;
      break;
  }
  if (size !== "small") {
    e.context = fullContext(rand, type, i);
    e.integrations = {};
    e.originalTimestamp = iso(time - 120);
    e.sentAt = iso(time - 40);
    e.receivedAt = iso(time + 15);
    e.channel = "client";
    e.version = 2;
  } else {
    e.context = { library: { name: "analytics-node", version: "3.1.0" } };
  }
  e.timestamp = iso(time);
  if (size === "large") {
    const holder = type === "identify" || type === "group" ? e.traits : type === "alias" ? (e.context.traits = {}) : e.properties;
    grow(e, holder, rand, 16 * 1024);
  }
  return e;
}

/** `{"batch": [...]}` text of `count` events of `size`, call types mixed as MIX says. */
export function body(size, count) {
  const batch = [];
  for (let i = 0; i < count; i++) batch.push(event(MIX[i % MIX.length], size, i));
  return JSON.stringify({ batch, sentAt: iso(BASE_TIME + count * 1537 + 500) });
}

/** The names of every corpus file: `event-<type>-<size>.json`, `batch-<size>-<count>.json`, `settings.json`. */
export function names() {
  const out = [];
  for (const size of SIZES) {
    for (const type of CALL_TYPES) out.push(`event-${type}-${size}.json`);
    for (const count of COUNTS) out.push(`batch-${size}-${count}.json`);
  }
  return [...out, "settings.json"];
}

/** One corpus file's text, by name. */
export function file(name) {
  let m;
  if (name === "settings.json") return JSON.stringify(SETTINGS);
  if ((m = /^event-(\w+)-(\w+)\.json$/.exec(name)) && CALL_TYPES.includes(m[1]) && SIZES.includes(m[2])) {
    return JSON.stringify(event(m[1], m[2], 1));
  }
  if ((m = /^batch-(\w+)-(\d+)\.json$/.exec(name)) && SIZES.includes(m[1])) return body(m[1], Number(m[2]));
  throw new Error(`${name} is not a corpus file`);
}

/** Every corpus file, as {name: text}. */
export function files() {
  return Object.fromEntries(names().map((name) => [name, file(name)]));
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  if (!dir) {
    console.error("usage: node benches/corpus.mjs <dir>");
    process.exit(2);
  }
  mkdirSync(dir, { recursive: true });
  const all = names();
  for (const name of all) writeFileSync(join(dir, name), file(name));
  console.log(`wrote ${all.length} corpus files to ${dir}`);
}
