// The learner's screen: follows the host by polling the session state (ETag, 304 when
// unchanged) and re-renders its panel from the server when the screen should change.
import { announcer, startModules } from "./lib/live.js";
import { poll, postJson, swapHtml } from "./lib/classroom.js";
import { start as startBoard } from "./board.js";
import { countdown } from "./lib/countdown.js";
import { keepDraft } from "./lib/drafts.js";

const RECEIVED = "Your answers are in.";
const TIME_UP = "Time is up: the cards you placed are being sent for you.";
const drafts = new WeakMap();

// board.js upgrades the boards present when the page loads; one that arrives later with a
// panel swap is started here (start() leaves an upgraded board alone). A class board's
// placements are kept as they change.
function startBoards(root) {
  for (const form of root.querySelectorAll('[data-module="board"]')) {
    startBoard(form);
    if (form.matches(".js-class-board") && !drafts.has(form)) {
      const kept = keepDraft(form, { code: root.dataset.code, url: root.dataset.draftUrl });
      if (kept) drafts.set(form, kept);
    }
  }
}

function flushDrafts(root) {
  for (const form of root.querySelectorAll(".js-class-board")) drafts.get(form)?.flush();
}

function start(root) {
  const panel = root.querySelector(".js-panel");
  const conn = root.querySelector(".js-conn");
  const announce = announcer(root.querySelector(".js-announce"));
  const me = Number(root.dataset.participant || 0);
  const screenOf = () => panel.querySelector(".play-panel")?.dataset.screen || "";
  let screen = screenOf();
  let etag = "";

  // again: the board holding the learner's last answers, to send a changed set
  async function refresh({ again = false } = {}) {
    const url = again ? `${root.dataset.panelUrl}?again=1` : root.dataset.panelUrl;
    const response = await fetch(url, { cache: "no-store", credentials: "same-origin" });
    if (!response.ok) throw new Error(`panel ${response.status}`);
    swapHtml(panel, await response.text());
    screen = screenOf();
    const heading = panel.querySelector(".js-focus");
    const focused = document.activeElement;
    if (heading && (!focused || focused === document.body || !panel.contains(focused))) {
      heading.focus({ preventScroll: false });
    }
    const message = panel.querySelector(".play-status__msg, .score-line");
    announce([heading?.textContent, message?.textContent].filter(Boolean).join(". "));
    startBoards(root);
    startCountdown();
  }

  // the countdown the host set: announced near the end; at zero the placements go to the
  // server at once and the screen asks for the closed state a moment later
  function startCountdown() {
    countdown(panel.querySelector(".js-countdown"), {
      onTick: (seconds) => {
        if (seconds === 30 || seconds === 10) announce(`${seconds} seconds left.`);
      },
      onEnd: () => {
        const board = panel.querySelector(".js-class-board");
        if (!board) return;
        flushDrafts(root);
        for (const button of board.querySelectorAll('button[type="submit"]')) button.disabled = true;
        const message = panel.querySelector(".play-status__msg");
        if (message) message.textContent = TIME_UP;
        announce(TIME_UP);
        setTimeout(() => poller.now(), 2000);
      },
    });
  }

  const poller = poll(async () => {
    const headers = etag ? { "If-None-Match": etag } : {};
    const response = await fetch(root.dataset.stateUrl, { cache: "no-store", headers,
      credentials: "same-origin" });
    // in the lobby the room count comes with every answer, 304s too (joins keep the ETag)
    const room = response.headers.get("X-Room-Count");
    if (room !== null) for (const el of panel.querySelectorAll(".js-room")) el.textContent = room;
    if (response.status === 304) return "ok";
    if (response.status === 410) { await refresh(); return "stop"; }
    if (response.status === 404) { conn.textContent = "This session no longer exists."; return "stop"; }
    if (!response.ok) throw new Error(`state ${response.status}`);
    etag = response.headers.get("ETag") || "";
    const state = await response.json();
    if (room === null) for (const el of panel.querySelectorAll(".js-room")) el.textContent = state.participants;
    if (state.screen !== screen || (me && state.removed.includes(me))) await refresh();
    return me && state.removed.includes(me) ? "stop" : "ok";
  }, {
    // a poll every 1.0–1.3 s: the screen follows the host within ~1.3 s plus one panel
    // fetch, inside the 2 s promise; an unchanged state costs the server a 304
    interval: 1000,
    jitter: 300,
    onError: (error, failures) => {
      if (failures > 1) conn.textContent = "Connection lost: trying again…";
    },
    onRecover: () => { conn.textContent = ""; },
  });

  // Answers go to the JSON endpoint; board.js's own submit check (unplaced cards) runs
  // first on the form, so a submit it stopped never reaches this listener.
  document.addEventListener("submit", async (event) => {
    const form = event.target.closest(".js-class-board");
    if (!form || event.defaultPrevented || !root.contains(form)) return;
    event.preventDefault();
    const button = form.querySelector('button[type="submit"]');
    const error = form.querySelector(".js-send-error");
    const answers = {};
    for (const [name, value] of new FormData(form)) {
      if (name.startsWith("answer-") && value) answers[name.slice(7)] = value;
    }
    button.disabled = true;
    button.textContent = "Sending…";
    error.hidden = true;
    let result = null;
    for (let attempt = 0; attempt < 4 && !result; attempt += 1) {
      try {
        // the set's number makes a resent request find its set stored, not store a copy
        result = await postJson(root.dataset.answersUrl, { scenario_id: form.dataset.scenario,
          answer_set: Number(form.dataset.answerSet || 1), answers });
        // the proxy in front lost the app server (502-504): another one may take it
        if (result.status >= 502 && result.status <= 504) result = null;
      } catch {
        result = null;
      }
      if (!result) await new Promise((done) => setTimeout(done, 500 * 2 ** attempt));
    }
    // a retry after a lost reply finds the answers already stored: that is a success
    const oneSet = Number(root.dataset.answerSets || 1) === 1;
    const kept = drafts.get(form);
    if (result?.status === 201 || result?.body?.details?.includes("already-answered")) {
      kept?.forget();
    }
    if (result?.status === 201 && result.body?.feedback !== "shown" && oneSet) {
      // nothing new to show but "received" and why the answers wait (the server's words):
      // no need to ask the server for the panel again
      const received = [RECEIVED, result.body.note].filter(Boolean).join(" ");
      const message = panel.querySelector(".play-status__msg");
      if (message) message.textContent = received;
      form.remove();
      panel.querySelector(".js-focus")?.focus();
      announce(received);
      return;
    }
    const stored = result && (result.status === 201 ||
      (result.status === 409 && result.body?.details?.includes("already-answered")));
    if (stored || result?.status === 409 || result?.status === 410) {
      await refresh().catch(() => {});
      if (stored) announce("Your answers are in.");
      poller.now();
      return;
    }
    button.disabled = false;
    button.textContent = "Send answers";
    error.hidden = false;
    error.textContent = result?.body?.error
      ? `Not sent: ${result.body.error}.` : "Not sent: the connection failed. Try again.";
    error.focus?.();
  });

  // "Change your answers": the board again, in place, without leaving the page
  root.addEventListener("click", async (event) => {
    const link = event.target.closest(".js-again");
    if (!link || !root.contains(link)) return;
    event.preventDefault();
    try {
      await refresh({ again: true });
    } catch {
      window.location.assign(link.href);
    }
  });

  // a phone locked or a tab closed: the last placements go out first
  document.addEventListener("visibilitychange", () => {
    if (document.hidden) flushDrafts(root);
  });
  window.addEventListener("pagehide", () => flushDrafts(root));

  startBoards(root);
  startCountdown();
}

startModules("play", start);
