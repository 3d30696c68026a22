// Announcements for screen readers through an aria-live region already in the page.
// The text is cleared first so repeating the same message is announced again.
export function announcer(region) {
  let timer = 0;
  return function announce(message) {
    if (!region) return;
    region.textContent = "";
    clearTimeout(timer);
    timer = setTimeout(() => { region.textContent = message; }, 50);
  };
}

// Run start(element) unless that element was started already; true when it ran.
export function startOnce(el, start) {
  if (el.dataset.started) return false;
  el.dataset.started = "1";
  start(el);
  return true;
}

// Run start(element) once for each element carrying data-module="name".
export function startModules(name, start) {
  for (const el of document.querySelectorAll(`[data-module="${name}"]`)) startOnce(el, start);
}
