// A learner's board kept in this browser (localStorage): which card sits where, in what
// order, and the tray order the server dealt, per scenario and variant. A reload, Back or a
// variant switch finds the work where it was left.

const PREFIX = "srm-board:";

function storage() {
  try {
    return window.localStorage;
  } catch {
    return null; // storage blocked: the board still works, it just forgets
  }
}

// {order: [task ids as dealt], lists: {party or "": [task ids in that list]}} or null.
export function load(key) {
  try {
    const value = JSON.parse(storage()?.getItem(PREFIX + key) || "null");
    if (value && Array.isArray(value.order) && value.lists && typeof value.lists === "object") {
      return value;
    }
  } catch { /* a damaged entry counts as none */ }
  return null;
}

export function save(key, value) {
  try {
    storage()?.setItem(PREFIX + key, JSON.stringify(value));
  } catch { /* full or private mode: nothing to do */ }
}

export function forget(key) {
  try {
    storage()?.removeItem(PREFIX + key);
  } catch { /* nothing stored */ }
}
