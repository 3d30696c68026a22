// The host console: the live panel refreshes from the server once a second (304 when
// nothing changed) and the pacing buttons call the JSON API instead of reloading.
import { announcer, startModules } from "./lib/live.js";
import { poll, postJson, swapHtml } from "./lib/classroom.js";

const DONE = {
  open: "Answering is open.", close: "Answering is closed.", reveal: "Answers revealed.",
  next: "Moved to the next scenario.", end: "The session has ended.",
  leaderboard: "Leaderboard updated.", remove: "Participant removed.",
};

function start(root) {
  const panel = root.querySelector(".js-panel");
  const status = root.querySelector(".js-host-status");
  const announce = announcer(status);
  const api = root.dataset.api;
  let etag = "";

  async function refresh() {
    const headers = etag ? { "If-None-Match": etag } : {};
    const response = await fetch(root.dataset.panelUrl, { cache: "no-store", headers,
      credentials: "same-origin" });
    if (response.status === 304) return "ok";
    if (!response.ok) throw new Error(`panel ${response.status}`);
    etag = response.headers.get("ETag") || "";
    swapHtml(panel, await response.text(), ".host-actions button");
    return "ok";
  }

  const poller = poll(refresh, {
    interval: 1000, jitter: 200,
    onError: (error, failures) => {
      if (failures > 1) status.textContent = "Connection lost: trying again…";
    },
    onRecover: () => { status.textContent = ""; },
  });

  root.addEventListener("submit", async (event) => {
    const form = event.target.closest(".js-action");
    if (!form) return;
    event.preventDefault();
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
    const action = form.dataset.action;
    let url = `${api}/${action}`;
    let body = {};
    if (action === "leaderboard") body = { show: form.dataset.show === "1" };
    if (action === "remove") url = `${api}/participants/${form.dataset.participant}/remove`;
    const button = form.querySelector("button");
    button.disabled = true;
    let result;
    try {
      result = await postJson(url, body, { csrf: true });
    } catch {
      result = { status: 0, body: null };
    }
    button.disabled = false;
    if (result.status >= 200 && result.status < 300) {
      announce(DONE[action] || "Done.");
    } else {
      announce(result.body?.error ? `Not done: ${result.body.error}.`
        : "Not done: the connection failed. Try again.");
    }
    etag = "";
    await poller.now();
  });
}

startModules("host", start);
