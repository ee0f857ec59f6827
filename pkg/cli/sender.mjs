// Sending the backfill's requests to Bloomreach: at most `concurrency` in flight, at most
// `ratePerMinute` started per minute, each command's outcome read with the package's
// readResponse, and the commands to retry sent again with backoff.
//
// - 429: every request waits out `Retry-After` (or a backoff), and the rate is halved, then
//   creeps back up with each success (Bloomreach's limit is per source IP, so it is shared).
// - 5xx, timeouts, network failures, unreadable answers: the request's commands to retry go
//   again after an exponential backoff with jitter (or the 503's `Retry-After`).
// - 401 / 403: the key, secret or project token is wrong; the run stops (`onFatal`) and the
//   commands stay unsent rather than being counted as rejected.
// - After `maxAttempts`, a command's event is pending: left for a rerun.

/** A job: one request and, for each command of its body in order, what it belongs to. */
export function job(request, refs, attempt = 1) {
  return { request, refs, attempt };
}

/**
 * `callbacks`: onOutcome(ref, outcome, message, commandId), onPending(ref, message), onFatal(message),
 * onRequest(attempt), and readResponse(request, status, text) from the package.
 */
export function createSender(options, callbacks) {
  const {
    concurrency = 6,
    ratePerMinute = 3000,
    timeoutMs = 30_000,
    maxAttempts = 10,
    backoffMs = 1000,
    maxBackoffMs = 60_000,
    maxRetryAfterMs = 300_000,
    fetch: fetchImpl = globalThis.fetch,
    random = Math.random,
  } = options;
  const { readResponse, onOutcome, onPending, onFatal = () => {}, onRequest = () => {} } = callbacks;

  const queue = []; // jobs ready to send, in order
  const delayed = new Set(); // timers of jobs waiting for their retry
  const controllers = new Set(); // one per request in flight
  let inFlight = 0;
  let stopped = false;
  let pumpTimer = null;
  let waiters = [];

  // Token bucket: up to `burst` requests at once, refilled at the current rate.
  const maxRate = ratePerMinute / 60_000; // requests per ms
  let rate = maxRate;
  const burst = Math.max(1, Math.min(concurrency, ratePerMinute / 60));
  let tokens = burst;
  let refilledAt = Date.now();
  let pausedUntil = 0;

  function refill(now) {
    tokens = Math.min(burst, tokens + (now - refilledAt) * rate);
    refilledAt = now;
  }

  /** Starts what may start now; sets a timer for when the next may. */
  function pump() {
    if (pumpTimer !== null) {
      clearTimeout(pumpTimer);
      pumpTimer = null;
    }
    while (!stopped && queue.length > 0 && inFlight < concurrency) {
      const now = Date.now();
      refill(now);
      const wait = Math.max(pausedUntil - now, tokens >= 1 ? 0 : (1 - tokens) / rate);
      if (wait > 0) {
        pumpTimer = setTimeout(pump, Math.ceil(wait));
        break;
      }
      tokens -= 1;
      const next = queue.shift();
      inFlight += 1;
      send(next)
        .catch((error) => onFatal(`internal error while sending: ${error?.message ?? error}`))
        .finally(() => {
          inFlight -= 1;
          pump();
          settle();
        });
    }
    settle();
  }

  function outstanding() {
    return queue.length + delayed.size + inFlight;
  }

  /** Wakes whoever waits for fewer outstanding jobs or for idleness. */
  function settle() {
    if (waiters.length === 0) return;
    const still = [];
    for (const waiter of waiters) {
      if (waiter.ready()) waiter.resolve();
      else still.push(waiter);
    }
    waiters = still;
  }

  function waitFor(ready) {
    if (ready()) return Promise.resolve();
    return new Promise((resolve) => waiters.push({ ready, resolve }));
  }

  function retryAfterMs(response) {
    const value = response?.headers.get("retry-after");
    if (!value) return null;
    if (/^\d+$/.test(value.trim())) return Math.min(Number(value) * 1000, maxRetryAfterMs);
    const date = Date.parse(value);
    return Number.isNaN(date) ? null : Math.min(Math.max(0, date - Date.now()), maxRetryAfterMs);
  }

  function backoff(attempt) {
    const full = Math.min(maxBackoffMs, backoffMs * 2 ** (attempt - 1));
    return full / 2 + random() * (full / 2);
  }

  async function send(current) {
    const { request, refs, attempt } = current;
    const controller = new AbortController();
    controllers.add(controller);
    const timer = setTimeout(() => controller.abort(new Error("timeout")), timeoutMs);
    onRequest(attempt);
    let status = 0;
    let text = "";
    let response = null;
    try {
      response = await fetchImpl(request.url, { method: request.method, headers: request.headers, body: request.body, signal: controller.signal });
      status = response.status;
      text = await response.text();
    } catch {
      status = 0; // no answer: network failure, timeout, or aborted
    } finally {
      clearTimeout(timer);
      controllers.delete(controller);
    }
    if (controller.signal.aborted && controller.signal.reason?.message === "abort") return; // the run was aborted

    if (status === 401 || status === 403) {
      const [first] = readResponse(request, status, text);
      onFatal(first?.message ?? `HTTP ${status} from Bloomreach`);
      return;
    }
    const outcomes = readResponse(request, status, text);
    const retry = [];
    outcomes.forEach((outcome, i) => {
      if (outcome.outcome === "retry") retry.push(i);
      else onOutcome(refs[i], outcome.outcome, outcome.message, outcome.commandId);
    });
    if (status === 429) {
      rate = Math.max(maxRate / 64, rate / 2);
      pausedUntil = Math.max(pausedUntil, Date.now() + (retryAfterMs(response) ?? backoff(attempt)));
    } else if (status >= 200 && status < 300 && rate < maxRate) {
      rate = Math.min(maxRate, rate + maxRate / 50);
    }
    if (retry.length === 0) return;
    const message = outcomes[retry[0]].message;
    if (attempt >= maxAttempts) {
      for (const i of retry) onPending(refs[i], message);
      return;
    }
    if (stopped) return; // left unsent: a rerun sends them
    const again = retry.length === outcomes.length
      ? job(request, refs, attempt + 1)
      : job({ ...request, body: commandsBody(request.body, retry) }, retry.map((i) => refs[i]), attempt + 1);
    const waitMs = status === 429 ? Math.max(0, pausedUntil - Date.now())
      : (status === 503 ? retryAfterMs(response) : null) ?? backoff(attempt);
    const timerId = setTimeout(() => {
      delayed.delete(timerId);
      if (stopped) return settle();
      queue.unshift(again);
      pump();
    }, waitMs);
    delayed.add(timerId);
  }

  return {
    /** Queues a job to send. */
    enqueue(next) {
      queue.push(next);
      pump();
    },
    outstanding,
    /** Resolves when fewer than `n` jobs are queued, waiting for a retry, or in flight. */
    below(n) {
      return waitFor(() => outstanding() < n);
    },
    /** Resolves when nothing is in flight and (unless stopped) nothing is queued or waiting. */
    idle() {
      return waitFor(() => inFlight === 0 && (stopped || outstanding() === 0));
    },
    /** Starts nothing more; requests in flight finish; queued jobs and retries are dropped (not done). */
    stop() {
      stopped = true;
      for (const timerId of delayed) clearTimeout(timerId);
      delayed.clear();
      if (pumpTimer !== null) clearTimeout(pumpTimer);
      queue.length = 0;
      settle();
    },
    /** Stops, and abandons the requests in flight too. */
    abort() {
      this.stop();
      for (const controller of controllers) controller.abort(new Error("abort"));
    },
    get inFlight() {
      return inFlight;
    },
  };
}

/**
 * The body `{"commands":[...]}` with only the commands at `indexes`, cut from the text as it is
 * (parsing and printing it again could change numbers JavaScript cannot hold exactly).
 */
export function commandsBody(body, indexes) {
  const prefix = '{"commands":[';
  if (!body.startsWith(prefix)) throw new Error("not a batch body");
  const parts = [];
  let depth = 0;
  let inString = false;
  let start = prefix.length;
  for (let i = start; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i += 1;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      depth += 1;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      if (depth === 0) {
        parts.push(body.slice(start, i));
        break;
      }
      depth -= 1;
    } else if (c === 0x2c /* , */ && depth === 0) {
      parts.push(body.slice(start, i));
      start = i + 1;
    }
  }
  return prefix + indexes.map((i) => parts[i]).join(",") + "]}";
}
