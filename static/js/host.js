// The host console: the live panel refreshes from the server once a second (304 when
// nothing changed) and the pacing buttons call the JSON API instead of reloading.
//
// Pacing cannot be fumbled: every step button has its own place, each request carries the
// phase it was pressed in (the server refuses it once the session moved on), and after a
// step the buttons wait a moment before they accept a click.
import { announcer, startModules } from "./lib/live.js";
import { livePanel, postJson } from "./lib/classroom.js";
import { countdown } from "./lib/countdown.js";

// what is announced after a switch; the pacing actions' words come from the server's
// transition table (data-pace-done on the console)
const SWITCHED = {
  leaderboard: "Leaderboard updated.", remove: "Participant removed.",
  lock: "Joining updated.", live: "Live distribution updated.",
};
const SETTLE_MS = 1200; // how long step buttons wait after the step changed

function start(root) {
  const announce = announcer(root.querySelector(".js-host-status"));
  const api = root.dataset.api;
  const DONE = { ...SWITCHED, ...JSON.parse(root.dataset.paceDone || "{}") };
  let phase = null;
  let busy = false;
  let holdUntil = 0;
  let settleTimer = 0;

  function paceButtons() {
    return root.querySelectorAll(".js-pace button");
  }

  // step buttons stay disabled while a step is being sent and for a moment after a change
  function applyHold() {
    const wait = holdUntil - Date.now();
    for (const button of paceButtons()) button.disabled = busy || wait > 0;
    clearTimeout(settleTimer);
    if (wait > 0) settleTimer = setTimeout(applyHold, wait);
  }

  function hold(ms) {
    holdUntil = Math.max(holdUntil, Date.now() + ms);
    applyHold();
  }

  const live = livePanel(root, {
    fallbackFocus: ".host-actions button",
    onSwap: (panel) => {
      const now = panel.querySelector(".host-state")?.dataset.phase || "";
      if (phase !== null && now !== phase) hold(SETTLE_MS);
      else applyHold();
      phase = now;
      countdown(panel.querySelector(".js-countdown"), { onEnd: () => live.poller.now() });
    },
  });

  root.addEventListener("submit", async (event) => {
    const form = event.target.closest(".js-action");
    if (!form) return;
    event.preventDefault();
    if (busy && form.classList.contains("js-pace")) return;
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
    const action = form.dataset.action;
    let url = `${api}/${action}`;
    let body = {};
    if (action === "leaderboard" || action === "live") body = { show: form.dataset.show === "1" };
    if (action === "lock") body = { locked: form.dataset.locked === "1" };
    if (action === "remove") url = `${api}/participants/${form.dataset.participant}/remove`;
    if (form.classList.contains("js-pace")) {
      body = { expect_phase: form.elements.expect_phase.value,
        expect_position: Number(form.elements.expect_position.value) };
      const seconds = Number(form.elements.countdown?.value || 0);
      if (seconds) body.countdown = seconds;
      busy = true;
      applyHold();
    }
    const button = form.querySelector("button");
    button.disabled = true;
    let result;
    try {
      result = await postJson(url, body, { csrf: true });
    } catch {
      result = { status: 0, body: null };
    }
    if (!busy) button.disabled = false;
    if (result.status >= 200 && result.status < 300) {
      announce(DONE[action] || "Done.");
    } else {
      announce(result.body?.error ? `Not done: ${result.body.error}.`
        : "Not done: the connection failed. Try again.");
    }
    live.reset();
    await live.poller.now();
    if (busy) {
      busy = false;
      hold(SETTLE_MS);
    }
  });
}

startModules("host", start);
