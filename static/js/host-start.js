// Starting a session: the scenarios play in the order they are ticked. Each ticked
// scenario's Order box gets the next number; unticking one closes the gap. The boxes are
// plain form fields, so the order also works (typed by hand) without JavaScript.
// A second press of "Start session" while the first is on its way sends nothing: a
// double click starts one session, not two.
import { startModules } from "./lib/live.js";

function start(form) {
  let sent = false;
  form.addEventListener("submit", (event) => {
    if (sent) event.preventDefault();
    sent = true;
  });
  // Back to this page from the console (kept in the back/forward cache): it may start again
  window.addEventListener("pageshow", () => { sent = false; });

  const boxes = () => [...form.querySelectorAll(".js-order")];
  const pickOf = (box) => document.getElementById(box.dataset.for);

  function renumber() {
    const ticked = boxes().filter((box) => pickOf(box)?.checked && box.value)
      .sort((a, b) => Number(a.value) - Number(b.value));
    ticked.forEach((box, i) => { box.value = String(i + 1); });
  }

  form.addEventListener("change", (event) => {
    const pick = event.target.closest('input[type="checkbox"][name="scenario"]');
    if (pick) {
      const box = boxes().find((b) => b.dataset.for === pick.id);
      if (!box) return;
      if (pick.checked && !box.value) {
        box.value = String(boxes().filter((b) => pickOf(b)?.checked && b.value).length + 1);
      } else if (!pick.checked) {
        box.value = "";
      }
      renumber();
    } else if (event.target.matches(".js-order") && event.target.value) {
      const pickBox = pickOf(event.target);
      if (pickBox && !pickBox.checked) pickBox.checked = true;
    }
  });
}

startModules("host-start", start);
