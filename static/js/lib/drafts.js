// A class board's placements kept while the learner works: in this browser (localStorage,
// so a reload or a dropped connection keeps them) and on the server as a draft (so the
// server can send them when answering closes, even from a locked phone).
import { postJson } from "./classroom.js";

const SAVE_DELAY_MS = 300;

function placements(form) {
  const answers = {};
  for (const [name, value] of new FormData(form)) {
    if (name.startsWith("answer-") && value) answers[name.slice(7)] = value;
  }
  return answers;
}

function read(key) {
  try { return JSON.parse(window.localStorage.getItem(key) || "null"); } catch { return null; }
}

function write(key, value) {
  try {
    if (value === null) window.localStorage.removeItem(key);
    else window.localStorage.setItem(key, JSON.stringify(value));
  } catch { /* private mode or full: the server's draft still holds them */ }
}

// Start keeping one board's placements; returns {flush(), forget()} or null.
export function keepDraft(form, { code, url }) {
  if (!form || form.dataset.drafting) return null;
  form.dataset.drafting = "1";
  const scenario = form.dataset.scenario;
  const answerSet = Number(form.dataset.answerSet || 1);
  const key = `srm-class-draft:${code}:${scenario}:${answerSet}`;
  let timer = 0;
  let sent = JSON.stringify(placements(form));

  // placements this browser kept that the page does not show (the server missed a save)
  const kept = read(key);
  if (kept && typeof kept === "object") {
    for (const [task, party] of Object.entries(kept)) {
      const card = form.querySelector(`.js-card[data-task="${CSS.escape(task)}"]`);
      const radio = card?.querySelector(`input[type=radio][value="${CSS.escape(party)}"]`);
      if (radio && !radio.checked) {
        const move = card.querySelector(`.js-move[data-target="${CSS.escape(party)}"]`);
        if (move) move.click(); else radio.checked = true;
      }
    }
  }

  async function save({ final = false } = {}) {
    clearTimeout(timer);
    if (!form.isConnected && !final) return;
    const answers = placements(form);
    const body = JSON.stringify(answers);
    write(key, answers);
    if (body === sent) return;
    sent = body;
    try {
      const result = await postJson(url, { scenario_id: scenario, answer_set: answerSet,
        answers }, { keepalive: final });
      if (result.status >= 400) sent = ""; // try again on the next change
    } catch {
      sent = "";
    }
  }

  const later = () => { clearTimeout(timer); timer = setTimeout(save, SAVE_DELAY_MS); };
  new MutationObserver(later).observe(form, { childList: true, subtree: true });
  form.addEventListener("change", later);
  if (JSON.stringify(placements(form)) !== sent || kept) later();
  return {
    flush: () => save({ final: true }),
    forget: () => { clearTimeout(timer); write(key, null); },
  };
}
