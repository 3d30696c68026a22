// The board: turns the plain form (one radio group per task) into cards and drop zones.
// Every way of placing a card ends in place(), which also checks the card's radio button,
// so the form posts the same fields with or without this script.
import { announcer, startModules, startOnce } from "./lib/live.js";

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

function enhance(form) {
  const announce = announcer(form.querySelector(".js-live"));
  const drops = [...form.querySelectorAll(".js-drop")]; // the tray first, then the zones
  const tray = drops[0];
  const cards = [...form.querySelectorAll(".js-card")];
  const progress = form.querySelector(".js-progress");
  const warning = form.querySelector(".js-warning");
  const total = cards.length;
  const info = new Map(); // card -> {text, number, handle}
  let held = null; // keyboard or click pick-up: {card, targets, index}
  let press = null; // pointer press or drag in progress
  let ghost = null;
  let frame = 0;
  let suppressClick = false;
  let warned = false;

  form.classList.add("has-js");
  form.querySelector(".js-nojs-help").hidden = true;
  form.querySelector(".js-js-help").hidden = false;
  form.querySelector(".js-zones").hidden = false;
  progress.hidden = false;
  const hint = el("span", { id: "card-hint", class: "visually-hidden" },
    "Press Space to pick up, arrow keys to choose a zone, Enter to drop.");
  form.append(hint);

  const nameOf = (drop) => drop.dataset.party
    ? drop.querySelector(".zone__title").textContent.trim() : "the tray";
  const where = (card) => card.closest(".js-drop");
  const placedCount = () => cards.filter((c) => where(c) !== tray).length;

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
    for (const drop of drops) {
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
    const checked = choices.querySelector("input:checked");
    const drop = checked && drops.find((d) => d.dataset.party === checked.value);
    if (drop) drop.querySelector(".js-list").append(card);
  }
  cards.forEach(refreshMoves);
  refresh();

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
      drop.classList.toggle("is-empty", !drop.querySelector(".js-card"));
    }
    if (placed === total) warning.hidden = true;
  }

  // Focus follows the work: a card sent from the tray hands focus to the next card there.
  function place(card, drop, { focus = true, scroll = true } = {}) {
    const party = drop.dataset.party;
    const fromTray = where(card) === tray;
    const next = fromTray && (card.nextElementSibling || card.previousElementSibling);
    drop.querySelector(".js-list").append(card);
    for (const radio of card.querySelectorAll("input[type=radio]")) {
      radio.checked = radio.value === party;
    }
    refreshMoves(card);
    refresh();
    const { text, number, handle } = info.get(card);
    if (focus) (next ? info.get(next).handle : handle).focus({ preventScroll: !scroll });
    const outcome = party ? `placed in ${nameOf(drop)}` : "back in the tray";
    announce(`Card ${number} of ${total}, “${text}”, ${outcome}. ${placedCount()} of ${total} placed.`);
  }

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

  function dropHeld(target = held.targets[held.index]) {
    const card = held.card;
    release();
    if (target === where(card)) {
      announce(`“${info.get(card).text}” stays in ${nameOf(target)}.`);
    } else {
      place(card, target);
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
    if (handle) {
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
      place(card, drops.find((d) => d.dataset.party === move.dataset.target));
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
    const drop = document.elementFromPoint(x, y)?.closest(".js-drop");
    return drop && form.contains(drop) ? drop : null;
  }

  function hover() {
    const over = hit(press.x, press.y);
    for (const drop of drops) drop.classList.toggle("is-over", drop === over);
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
    ghost = el("div", { class: "card-ghost", "aria-hidden": "true" }, info.get(press.card).text);
    ghost.style.width = `${box.width}px`;
    document.body.append(ghost);
    press.card.classList.add("is-dragging");
    moveGhost();
    hover();
    frame = requestAnimationFrame(autoScroll);
  }

  function autoScroll() {
    if (!press?.dragging) return;
    const { y } = press;
    let step = 0;
    if (y < EDGE) step = -Math.ceil(MAX_SPEED * Math.min(1, (EDGE - y) / EDGE));
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
      for (const d of drops) d.classList.remove("is-over");
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
  const onDocument = (type, listener, options = {}) => {
    document.addEventListener(type, (event) => {
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
}

// Upgrade one board form, e.g. one a page inserted after loading (the class screen swaps its
// panel in); a form already upgraded is left alone. Returns whether it started.
export function start(root) {
  return startOnce(root, enhance);
}

startModules("board", enhance);
