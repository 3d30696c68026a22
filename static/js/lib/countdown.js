// A countdown the server started: the element carries data-seconds-left (counted when the
// server rendered it, so a phone's clock being wrong does not matter) and shows m:ss in its
// .js-left child. onEnd runs once at zero; onTick(seconds) on every change.
export function countdown(el, { onEnd = () => {}, onTick = () => {} } = {}) {
  if (!el || el.dataset.counting) return null;
  el.dataset.counting = "1";
  const end = Date.now() + Number(el.dataset.secondsLeft || 0) * 1000;
  const text = el.querySelector(".js-left") || el;
  let timer = 0;
  let last = -1;
  function tick() {
    if (!el.isConnected) return; // the panel was replaced: its successor counts now
    const ms = end - Date.now();
    const seconds = Math.max(0, Math.ceil(ms / 1000));
    if (seconds !== last) {
      last = seconds;
      text.textContent = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
      onTick(seconds);
    }
    if (ms <= 0) { onEnd(); return; }
    timer = setTimeout(tick, Math.min(250, ms));
  }
  tick();
  return { stop() { clearTimeout(timer); } };
}
