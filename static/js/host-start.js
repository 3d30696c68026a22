// Starting a session: the scenarios play in the order they are ticked. Each ticked
// scenario's Order box gets the next number; unticking one closes the gap. The boxes are
// plain form fields, so the order also works (typed by hand) without JavaScript.
import { startModules } from "./lib/live.js";

function start(form) {
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
