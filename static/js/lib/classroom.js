// Shared by the host console and the learner's screen: polling, panel swaps, JSON calls.
// All live state is on the server; these helpers only ask for it again and again.

export function csrfToken() {
  return document.querySelector('meta[name="csrf-token"]')?.content || "";
}

// POST a JSON body; resolves to {status, body} (body is null when it is not JSON).
// keepalive: the request outlives the page (sent as a tab closes or a phone locks).
export async function postJson(url, data = {}, { csrf = false, keepalive = false } = {}) {
  const headers = { "Content-Type": "application/json", Accept: "application/json" };
  if (csrf) headers["X-CSRFToken"] = csrfToken();
  const response = await fetch(url, {
    method: "POST", headers, body: JSON.stringify(data), credentials: "same-origin", keepalive,
  });
  let body = null;
  try { body = await response.json(); } catch { body = null; }
  return { status: response.status, body };
}

// Replace a container's HTML, keeping keyboard focus on the element with the same id
// when it still exists (a refresh must not throw a keyboard user back to the top).
export function swapHtml(container, html, fallbackFocus = null) {
  const active = document.activeElement;
  const inside = Boolean(active && active !== document.body && container.contains(active));
  const activeId = inside ? active.id : "";
  container.innerHTML = html;
  const again = activeId && document.getElementById(activeId);
  if (again) again.focus();
  else if (inside && fallbackFocus) container.querySelector(fallbackFocus)?.focus();
}

// Call tick() every interval (with jitter so a room of phones does not poll in step).
// tick returns "stop" to end. Errors back off up to 10 s and are reported by onError;
// a hidden tab polls slowly and catches up the moment it is shown again.
export function poll(tick, { interval = 1200, jitter = 300, onError = () => {},
  onRecover = () => {} } = {}) {
  let timer = 0;
  let failures = 0;
  let stopped = false;
  let running = false;
  async function run() {
    if (stopped || running) return;
    running = true;
    clearTimeout(timer);
    let outcome = "ok";
    try {
      outcome = await tick();
      if (failures) onRecover();
      failures = 0;
    } catch (error) {
      failures += 1;
      onError(error, failures);
    }
    running = false;
    if (outcome === "stop") { stopped = true; return; }
    const base = failures ? Math.min(10000, interval * 2 ** failures) : interval;
    const wait = (document.hidden ? Math.max(base, 5000) : base) + Math.random() * jitter;
    timer = setTimeout(run, wait);
  }
  document.addEventListener("visibilitychange", () => { if (!document.hidden) run(); });
  timer = setTimeout(run, interval / 2 + Math.random() * jitter);
  return { now: run, stop() { stopped = true; clearTimeout(timer); } };
}

// A host screen's live panel: fetched again on every poll with its ETag (304 when nothing
// changed). onSwap(panel) runs after new HTML is in. Returns {poller, reset}.
export function livePanel(root, { onSwap = () => {}, fallbackFocus = null } = {}) {
  const panel = root.querySelector(".js-panel");
  const status = root.querySelector(".js-host-status");
  let etag = "";
  async function refresh() {
    const headers = etag ? { "If-None-Match": etag } : {};
    const response = await fetch(root.dataset.panelUrl, { cache: "no-store", headers,
      credentials: "same-origin" });
    if (response.status === 304) return "ok";
    if (!response.ok) throw new Error(`panel ${response.status}`);
    etag = response.headers.get("ETag") || "";
    swapHtml(panel, await response.text(), fallbackFocus);
    onSwap(panel);
    return "ok";
  }
  const poller = poll(refresh, {
    interval: 1000, jitter: 200,
    onError: (error, failures) => {
      if (failures > 1) status.textContent = "Connection lost: trying again…";
    },
    onRecover: () => { status.textContent = ""; },
  });
  queueMicrotask(() => onSwap(panel)); // the panel the page came with
  return { poller, status, reset() { etag = ""; } };
}
