// Per-card feedback on a practice board: the server says whether one placed card is right
// and why; the answer is shown on the card. Loaded only once a learner asks for it.
import { el } from "./dom.js";

const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

export function clearCheck(card) {
  card.querySelector(".js-check")?.remove();
  card.classList.remove("is-right", "is-wrong");
}

// Check `card` placed with `party`; stillThere() says whether it has stayed there meanwhile.
export async function checkCard({ url, variant, card, party, stillThere, announce, text }) {
  clearCheck(card);
  const note = el("p", { class: "card__check js-check" }, "Checking…");
  card.append(note);
  let body = null;
  try {
    const response = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify({ variant, task_id: card.dataset.task, party }),
    });
    body = await response.json();
    if (!response.ok) throw new Error(body?.error || "not checked");
  } catch {
    if (note.isConnected) note.textContent = "This card could not be checked just now.";
    return;
  }
  if (!note.isConnected || !stillThere()) return;
  card.classList.add(body.correct ? "is-right" : "is-wrong");
  const verdict = body.correct ? "Right." : "Not quite.";
  note.replaceChildren(el("strong", {}, `${body.correct ? "✓" : "✗"} ${verdict} `),
    body.explanation || "");
  if (body.source) {
    note.append(" ", el("a", { href: body.source, rel: "noopener", target: "_blank" }, "Source"));
  }
  announce(`“${text}”: ${verdict} ${body.explanation || ""}`);
}
