// The presenter view: the host's live panel without controls, refreshed once a second.
import { startModules } from "./lib/live.js";
import { livePanel } from "./lib/classroom.js";
import { countdown } from "./lib/countdown.js";

function start(root) {
  const live = livePanel(root, {
    onSwap: (panel) => countdown(panel.querySelector(".js-countdown"),
      { onEnd: () => live?.poller.now() }),
  });
}

startModules("present", start);
