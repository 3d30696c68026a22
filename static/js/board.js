// The board: turns the plain form (one radio group per task) into cards and drop zones.
// Every way of placing a card ends in place(), which also checks the card's radio button,
// so the form posts the same fields with or without this script.
//
// On a narrow screen a dock pinned to the bottom of the window holds the counts per zone
// ("AWS 5 · Customer 11"): it is the drop target while a card is dragged and, with the
// status line above it, says what the last move did and offers to undo it.
import { announcer, startModules, startOnce } from "./lib/live.js";
import * as saved from "./lib/saved-board.js";

const DRAG_THRESHOLD = 6; // px a mouse or pen moves before a press becomes a drag
const TOUCH_HOLD = 180; // ms a finger rests on a card before it lifts; moving sooner scrolls
const TOUCH_SLOP = 10; // px a finger may wander during that hold
const EDGE = 72; // px from the top or bottom of the window where a drag scrolls the page
const MAX_SPEED = 16; // px per frame at the very edge

function el(tag, attrs = {}, text = "") {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text) node.textContent = text;
  return node;
}

function parseJson(text) {
  try { return JSON.parse(text || "null"); } catch { return null; }
}

function enhance(form) {
  const announce = announcer(form.querySelector(".js-live"));
  const drops = [...form.querySelectorAll(".js-drop")]; // the tray first, then the zones
  const tray = drops[0];
  const zoneDrops = drops.slice(1);
  const cards = [...form.querySelectorAll(".js-card")];
  const byTask = new Map(cards.map((c) => [c.dataset.task, c]));
  const progress = form.querySelector(".js-progress");
  const warning = form.querySelector(".js-warning");
  const submit = form.querySelector("button[type=submit]");
  const orderInput = form.querySelector("input[name=task_order]");
  const saveKey = form.dataset.saveKey || "";
  const total = cards.length;
  const info = new Map(); // card -> {text, number, handle}
  let held = null; // keyboard or click pick-up: {card, targets, index}
  let press = null; // pointer press or drag in progress
  let ghost = null;
  let frame = 0;
  let suppressClick = false;
  let warned = false;
  let undo = null; // the last move: {card, from, before}
  let submitted = false;

  form.classList.add("has-js");
  form.querySelector(".js-nojs-help").hidden = true;
  const keyHelp = form.querySelector(".js-js-help");
  const touchHelp = form.querySelector(".js-touch-help");
  const showHelp = (touch) => {
    keyHelp.hidden = touch;
    if (touchHelp) touchHelp.hidden = !touch;
  };
  showHelp(matchMedia("(pointer: coarse)").matches
    || ("ontouchstart" in window && navigator.maxTouchPoints > 0));
  form.querySelector(".js-zones").hidden = false;
  progress.hidden = false;
  const hint = el("span", { id: "card-hint", class: "visually-hidden" },
    "Press Space to pick up, arrow keys to choose a zone, Enter to drop.");
  form.append(hint);

  const nameOf = (drop) => drop.dataset.party
    ? drop.querySelector(".zone__title").textContent.trim() : "the tray";
  const where = (card) => card.closest(".js-drop");
  const dropFor = (party) => drops.find((d) => d.dataset.party === party);
  const placedCount = () => cards.filter((c) => where(c) !== tray).length;

  // --- the dock: status line, undo, one segment per zone ----------------------------------
  const dock = el("div", { class: "dock js-dock" });
  const status = el("p", { class: "dock__status" });
  const statusText = el("span", { class: "dock__text", role: "status" });
  const undoButton = el("button", { type: "button", class: "dock__undo js-undo" }, "Undo");
  undoButton.hidden = true;
  status.append(statusText, undoButton);
  const bar = el("div", { class: "dock__bar", role: "group", "aria-label": "Zones" });
  const segments = new Map(); // drop -> {seg, count}
  for (const drop of [...zoneDrops, tray]) {
    const party = drop.dataset.party;
    const seg = el("button", {
      type: "button", class: `dock__seg dock__seg--${party || "tray"} js-seg`, "data-party": party,
    });
    const count = el("span", { class: "dock__count" });
    // the button's name is its visible text ("AWS 0") and a word for screen readers only
    const unit = el("span", { class: "visually-hidden" });
    seg.append(el("span", { class: "dock__name" }, party ? nameOf(drop) : "To sort"), " ",
      count, unit);
    bar.append(seg);
    segments.set(drop, { seg, count, unit });
  }
  dock.append(status, bar);
  form.querySelector(".board__footer").after(dock);
  const barShown = () => bar.getClientRects().length > 0;

  function say(visible, hidden = "") {
    statusText.replaceChildren();
    if (hidden) statusText.append(el("span", { class: "visually-hidden" }, hidden));
    statusText.append(visible);
  }

  for (const [i, card] of cards.entries()) {
    const text = card.querySelector("legend").textContent.trim();
    const choices = card.querySelector(".js-choices");
    choices.hidden = true;
    const handle = el("button", {
      type: "button", class: "card__handle js-handle", id: `handle-${card.dataset.task}`,
      "aria-describedby": "card-hint",
    }, text);
    const moves = el("div", { class: "card__moves", role: "group",
      "aria-labelledby": handle.id });
    moves.append(el("span", { class: "card__moves-label", "aria-hidden": "true" }, "Move to"));
    for (const drop of [...zoneDrops, tray]) { // always AWS, Shared, Customer, then Tray
      const party = drop.dataset.party;
      const label = party ? nameOf(drop) : "Tray";
      moves.append(el("button", {
        type: "button", class: "card__move js-move", "data-target": party,
        "aria-label": party ? `Move to ${label}` : "Move back to the tray",
      }, label));
    }
    card.prepend(handle);
    card.append(moves);
    info.set(card, { text, number: i + 1, handle });
  }

  // Where the cards start: placements the server gives (a retry of the wrong ones, or a form
  // shown again) win over the ones saved in this browser.
  function put(card, drop) {
    drop.querySelector(".js-list").append(card);
    for (const radio of card.querySelectorAll("input[type=radio]")) {
      radio.checked = radio.value === drop.dataset.party;
    }
  }

  function restore(state) {
    const dealt = state.order.filter((id) => byTask.has(id));
    if (dealt.length === total && new Set(dealt).size === total) {
      for (const id of dealt) put(byTask.get(id), tray);
      if (orderInput) orderInput.value = dealt.join(",");
    } else {
      for (const card of cards) put(card, tray);
    }
    for (const drop of zoneDrops) {
      const ids = state.lists[drop.dataset.party];
      if (!Array.isArray(ids)) continue;
      for (const id of ids) if (byTask.has(id)) put(byTask.get(id), drop);
    }
  }

  // Then what the browser restored of the form itself (radios kept over a reload).
  const initial = parseJson(form.dataset.initialPlacements
    ?? form.closest("[data-initial-placements]")?.dataset.initialPlacements);
  const state = saveKey && !("answersGiven" in form.dataset) ? saved.load(saveKey) : null;
  if (initial && typeof initial === "object") {
    for (const [id, party] of Object.entries(initial)) {
      const drop = party && dropFor(String(party));
      if (byTask.has(id) && drop) put(byTask.get(id), drop);
    }
  } else if (state) {
    restore(state);
  } else {
    for (const card of cards.filter((c) => c.querySelector("input:checked"))) {
      const drop = dropFor(card.querySelector("input:checked").value);
      if (drop) put(card, drop);
    }
  }
  cards.forEach(refreshMoves);
  refresh();
  say(`Placed so far: ${placedCount()} of ${total}`);
  persist();

  function snapshot() {
    const lists = {};
    for (const drop of drops) {
      lists[drop.dataset.party] = [...drop.querySelectorAll(".js-card")].map((c) => c.dataset.task);
    }
    return { order: orderInput ? orderInput.value.split(",") : [], lists };
  }

  function persist() {
    if (!saveKey || submitted) return;
    if (placedCount() === 0) saved.forget(saveKey);
    else saved.save(saveKey, snapshot());
  }

  function refreshMoves(card) {
    const here = where(card).dataset.party;
    for (const button of card.querySelectorAll(".js-move")) {
      button.hidden = button.dataset.target === here;
    }
  }

  function refresh() {
    const placed = placedCount();
    progress.textContent = `${placed} of ${total} placed`;
    for (const drop of drops) {
      const n = drop.querySelectorAll(".js-card").length;
      drop.classList.toggle("is-empty", n === 0);
      const { count, unit } = segments.get(drop);
      count.textContent = String(n);
      unit.textContent = n === 1 ? " card" : " cards";
    }
    if (placed === total) warning.hidden = true;
  }

  // Focus follows the work: a card sent from the tray hands focus to the next card there;
  // the last card placed hands it to "Check answers". A tap never scrolls the page.
  function place(card, drop, { focus = true, scroll = true, remember = true } = {}) {
    const party = drop.dataset.party;
    const from = where(card);
    const fromTray = from === tray;
    const next = fromTray && (card.nextElementSibling || card.previousElementSibling);
    if (remember) undo = { card, from, before: card.nextElementSibling };
    drop.querySelector(".js-list").append(card);
    for (const radio of card.querySelectorAll("input[type=radio]")) {
      radio.checked = radio.value === party;
    }
    refreshMoves(card);
    refresh();
    persist();
    const { text, number, handle } = info.get(card);
    const placed = placedCount();
    if (focus) {
      const target = placed === total ? submit : next ? info.get(next).handle : handle;
      target.focus({ preventScroll: !scroll });
    }
    const moved = party ? `Moved to ${nameOf(drop)}` : "Back in the tray";
    say(`${moved} · ${placed} of ${total} placed`, `Card ${number} of ${total}, “${text}”: `);
    undoButton.hidden = !remember;
    checkCard(card, party);
  }

  function undoLast() {
    if (!undo) return;
    const { card, from, before } = undo;
    undo = null;
    const list = from.querySelector(".js-list");
    if (before && before.parentElement === list) list.insertBefore(card, before);
    else list.append(card);
    for (const radio of card.querySelectorAll("input[type=radio]")) {
      radio.checked = radio.value === from.dataset.party;
    }
    refreshMoves(card);
    refresh();
    persist();
    clearCheck(card);
    undoButton.hidden = true;
    info.get(card).handle.focus({ preventScroll: true });
    const back = from === tray ? "back in the tray" : `back in ${nameOf(from)}`;
    say(`Undone: ${back} · ${placedCount()} of ${total} placed`, `“${info.get(card).text}”: `);
  }

  // --- per-card feedback (practice only; the server decides and answers per card) ---------
  const checkUrl = form.dataset.checkUrl || "";
  const checkToggle = form.querySelector(".js-check-toggle");
  const variantInput = form.querySelector("input[name=variant]");
  if (checkToggle) checkToggle.closest(".js-check-option").hidden = !checkUrl;
  let checker = null; // lib/card-check.js, loaded the first time a card is checked

  function clearCheck(card) {
    card.querySelector(".js-check")?.remove();
    card.classList.remove("is-right", "is-wrong");
  }

  async function checkCard(card, party) {
    clearCheck(card);
    if (!checkUrl || !checkToggle?.checked || !party) return;
    checker ??= import("./lib/card-check.js");
    (await checker).checkCard({
      url: checkUrl, variant: variantInput?.value || null, card, party, announce,
      stillThere: () => where(card).dataset.party === party, text: info.get(card).text,
    });
  }

  checkToggle?.addEventListener("change", () => {
    for (const card of cards) {
      if (!checkToggle.checked) clearCheck(card);
      else if (where(card) !== tray) checkCard(card, where(card).dataset.party);
    }
  });

  // --- keyboard (and click): pick up, choose a zone, drop -------------------------------
  function mark() {
    for (const drop of drops) drop.classList.toggle("is-target", drop === held?.targets[held.index]);
  }

  function pickUp(card) {
    const from = where(card);
    held = { card, targets: drops.filter((d) => d !== from), index: 0 };
    card.classList.add("is-held");
    mark();
    const target = held.targets[held.index];
    announce(`Picked up “${info.get(card).text}”. Over ${nameOf(target)}. ` +
      "Arrow keys choose a zone, Enter drops, Escape cancels.");
  }

  function release() {
    if (!held) return;
    held.card.classList.remove("is-held");
    held = null;
    mark();
  }

  function aim(step) {
    const n = held.targets.length;
    held.index = (held.index + step + n) % n;
    mark();
    announce(`Over ${nameOf(held.targets[held.index])}.`);
  }

  function dropHeld(target = held.targets[held.index], options = {}) {
    const card = held.card;
    release();
    if (target === where(card)) {
      announce(`“${info.get(card).text}” stays in ${nameOf(target)}.`);
    } else {
      place(card, target, options);
    }
  }

  function cancelHeld() {
    const card = held.card;
    release();
    announce(`Cancelled. “${info.get(card).text}” stays in ${nameOf(where(card))}.`);
  }

  form.addEventListener("click", (event) => {
    const handle = event.target.closest(".js-handle");
    const move = event.target.closest(".js-move");
    const seg = event.target.closest(".js-seg");
    if (event.target.closest(".js-undo")) {
      release();
      undoLast();
    } else if (handle) {
      if (suppressClick) return;
      const card = handle.closest(".js-card");
      if (held && held.card === card) dropHeld();
      else {
        release();
        pickUp(card);
      }
    } else if (move) {
      release();
      const card = move.closest(".js-card");
      place(card, dropFor(move.dataset.target), { scroll: false });
    } else if (seg) {
      const drop = dropFor(seg.dataset.party);
      if (held) dropHeld(drop, { scroll: false });
      else drop.scrollIntoView({ block: "start" });
    } else if (held) {
      const drop = event.target.closest(".js-drop");
      if (drop) dropHeld(drop);
    }
  });

  form.addEventListener("keydown", (event) => {
    if (!held || !event.target.closest(".js-handle")) return;
    const steps = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
    if (event.key in steps) {
      event.preventDefault();
      aim(steps[event.key]);
    } else if (event.key === "Tab") {
      event.preventDefault();
      aim(event.shiftKey ? -1 : 1);
    } else if (event.key === "Escape") {
      event.preventDefault();
      cancelHeld();
    }
  });

  // --- pointer drag: one path for mouse, pen and touch ------------------------------------
  function hit(x, y) {
    const node = document.elementFromPoint(x, y);
    const seg = node?.closest(".js-seg");
    if (seg && dock.contains(seg)) return dropFor(seg.dataset.party);
    const drop = node?.closest(".js-drop");
    return drop && form.contains(drop) ? drop : null;
  }

  function hover() {
    const over = hit(press.x, press.y);
    for (const drop of drops) {
      drop.classList.toggle("is-over", drop === over);
      segments.get(drop).seg.classList.toggle("is-over", drop === over);
    }
    return over;
  }

  function moveGhost() {
    ghost.style.transform = `translate(${press.x - press.dx}px, ${press.y - press.dy}px)`;
  }

  function beginDrag() {
    release();
    press.dragging = true;
    const box = press.card.getBoundingClientRect();
    press.dx = press.x0 - box.left;
    press.dy = press.y0 - box.top;
    if (press.touch) { // above the finger, so the zone under it stays in sight
      press.dx = Math.min(press.dx, box.width / 3);
      press.dy = info.get(press.card).handle.offsetHeight + 24;
    }
    ghost = el("div", { class: "card-ghost", "aria-hidden": "true" }, info.get(press.card).text);
    ghost.style.width = `${box.width}px`;
    document.body.append(ghost);
    press.card.classList.add("is-dragging");
    dock.classList.add("is-dragging");
    moveGhost();
    hover();
    frame = requestAnimationFrame(autoScroll);
  }

  // With the dock showing every zone is in reach, so the page stays still under a drag.
  function autoScroll() {
    if (!press?.dragging) return;
    const { y } = press;
    let step = 0;
    if (barShown()) step = 0;
    else if (y < EDGE) step = -Math.ceil(MAX_SPEED * Math.min(1, (EDGE - y) / EDGE));
    else if (y > innerHeight - EDGE) {
      step = Math.ceil(MAX_SPEED * Math.min(1, (y - innerHeight + EDGE) / EDGE));
    }
    if (step) {
      window.scrollBy(0, step);
      hover();
    }
    frame = requestAnimationFrame(autoScroll);
  }

  function endPress(drop) {
    if (!press) return;
    clearTimeout(press.timer);
    if (press.dragging) {
      cancelAnimationFrame(frame);
      ghost?.remove();
      ghost = null;
      press.card.classList.remove("is-dragging");
      dock.classList.remove("is-dragging");
      for (const d of drops) {
        d.classList.remove("is-over");
        segments.get(d).seg.classList.remove("is-over");
      }
      suppressClick = true;
      setTimeout(() => { suppressClick = false; }, 0);
      if (drop && drop !== where(press.card)) {
        place(press.card, drop, { scroll: false });
      } else {
        info.get(press.card).handle.focus({ preventScroll: true });
      }
    }
    press = null;
  }

  form.addEventListener("pointerdown", (event) => {
    const handle = event.target.closest(".js-handle");
    if (!handle || !event.isPrimary || press) return;
    if (event.pointerType === "mouse" && event.button !== 0) return;
    if (event.pointerType === "touch") showHelp(true);
    press = {
      card: handle.closest(".js-card"), handle, id: event.pointerId, touch: event.pointerType === "touch",
      x0: event.clientX, y0: event.clientY, x: event.clientX, y: event.clientY, dragging: false,
    };
    if (press.touch) {
      press.timer = setTimeout(() => { if (press && !press.dragging) beginDrag(); }, TOUCH_HOLD);
    }
  });

  // Document-level listeners live as long as this board: once a panel swap has removed the
  // form, the first event that reaches one of them removes them all.
  const alive = new AbortController();
  const onDocument = (type, listener, options = {}, target = document) => {
    target.addEventListener(type, (event) => {
      if (!form.isConnected) { alive.abort(); return; }
      listener(event);
    }, { ...options, signal: alive.signal });
  };

  onDocument("pointermove", (event) => {
    if (!press || event.pointerId !== press.id) return;
    press.x = event.clientX;
    press.y = event.clientY;
    const moved = Math.hypot(press.x - press.x0, press.y - press.y0);
    if (!press.dragging) {
      if (press.touch) {
        if (moved > TOUCH_SLOP) endPress(null); // a scroll, not a drag
      } else if (moved > DRAG_THRESHOLD) {
        press.handle.setPointerCapture?.(press.id);
        beginDrag();
      }
      return;
    }
    event.preventDefault();
    moveGhost();
    hover();
  });

  onDocument("pointerup", (event) => {
    if (press && event.pointerId === press.id) {
      endPress(press.dragging ? hit(event.clientX, event.clientY) : null);
    }
  });
  onDocument("pointercancel", (event) => {
    if (press && event.pointerId === press.id) endPress(null);
  });
  // While a finger drags a card the page must not scroll under it.
  onDocument("touchmove", (event) => {
    if (press?.dragging) event.preventDefault();
  }, { passive: false });
  form.addEventListener("contextmenu", (event) => {
    if (press?.touch) event.preventDefault(); // a long press lifts the card, no menu
  });
  onDocument("keydown", (event) => {
    if (event.key === "Escape" && press?.dragging) endPress(null);
  });

  // --- nothing lost: variant switch asks first; Back shows the board as it was ------------
  if (saveKey) {
    onDocument("click", (event) => {
      const link = event.target.closest(".js-variant-link");
      if (!link || link.getAttribute("aria-current") || placedCount() === 0) return;
      const n = placedCount();
      const ok = window.confirm(`You have placed ${n} card${n === 1 ? "" : "s"} on this ` +
        `variant. Switch to “${link.textContent.trim()}”? That variant has its own board; ` +
        "the cards placed here stay saved in this browser.");
      if (!ok) event.preventDefault();
    });
    onDocument("pageshow", (event) => {
      if (!event.persisted) return;
      const state = saved.load(saveKey);
      if (state) restore(state);
      else if (submitted) for (const card of cards) put(card, tray);
      submitted = false;
      if (submit) submit.disabled = false;
      cards.forEach(refreshMoves);
      refresh();
      say(`Placed so far: ${placedCount()} of ${total}`);
    }, {}, window);
  }

  // --- checking -----------------------------------------------------------------------------
  form.addEventListener("submit", (event) => {
    const left = total - placedCount();
    if (left > 0 && !warned) {
      event.preventDefault();
      warned = true;
      warning.hidden = false;
      warning.textContent = `${left} card${left === 1 ? " is" : "s are"} still in the tray and ` +
        "will count as not placed. Press Check answers again to check anyway.";
      announce(warning.textContent);
    }
  });
  // Registered after the check above (and after any page script's own handler has had its
  // say in the same turn): a board that really goes to be graded forgets its saved copy.
  form.addEventListener("submit", (event) => {
    if (event.defaultPrevented || !saveKey) return;
    submitted = true;
    saved.forget(saveKey);
  });
}

// Upgrade one board form, e.g. one a page inserted after loading (the class screen swaps its
// panel in); a form already upgraded is left alone. Returns whether it started.
export function start(root) {
  return startOnce(root, enhance);
}

startModules("board", enhance);
