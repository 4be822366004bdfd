// Keys a presenter's clicker and a keyboard send, for the timeline: Space plays and pauses,
// ArrowRight and PageDown step forward, ArrowLeft and PageUp step back, Home and End go to the
// first and last iteration (a clicker sends PageDown/PageUp; some send the arrows).
//
// A key is the timeline's only where nothing focused already answers it: a text box, a select or
// a range input (the scrubber, the rate slider) keeps its keys, a button keeps Space (it presses
// the button), a chart's toolbar keeps the arrows (they walk its buttons: chart-access.js), and a
// key with Ctrl, Alt or Meta is the browser's. `timelineKey` is pure: it reads the event's key,
// modifiers and target (tagName, type, role, isContentEditable, closest) and writes no DOM.

const KEYS = {
  " ": "toggle",
  ArrowRight: "step",
  PageDown: "step",
  ArrowLeft: "back",
  PageUp: "back",
  Home: "reset",
  End: "end",
};

// Roles whose elements answer keys themselves (WAI-ARIA's widgets that take typing or arrows).
const OWN_KEYS = new Set(["textbox", "searchbox", "combobox", "listbox", "slider", "spinbutton", "menu", "menubar", "radiogroup", "grid", "tree", "tablist"]);
const OWN_SPACE = new Set(["button", "checkbox", "switch", "radio", "link", "menuitem", "option", "tab"]);

function answers(target, key) {
  if (!target || typeof target.closest !== "function") return false;
  const tag = (target.tagName || "").toLowerCase();
  const role = (target.getAttribute?.("role") || "").toLowerCase();
  if (target.isContentEditable || tag === "textarea" || tag === "select") return true;
  if (tag === "input") return true; // text, number, range, checkbox, radio: each uses these keys
  if (OWN_KEYS.has(role)) return true;
  if (target.closest("[role='toolbar'], .modebar, [role='menu'], [role='listbox'], [role='dialog']")) return true;
  if (key === " " && (tag === "button" || tag === "a" || tag === "summary" || OWN_SPACE.has(role))) return true;
  return false;
}

// The timeline's event for a keydown (without `now`), or null when the key is not the timeline's.
export function timelineKey(event) {
  if (event.ctrlKey || event.altKey || event.metaKey || event.defaultPrevented) return null;
  const type = KEYS[event.key];
  if (!type || answers(event.target, event.key)) return null;
  return { type };
}

// The page's keys move the panel's timeline while the panel lives (its AbortController).
export function listenForKeys(panel, target = window) {
  const onKey = (event) => {
    const move = timelineKey(event);
    if (!move || !panel.state) return;
    event.preventDefault(); // Space, the arrows and the page keys would scroll the page too
    panel.dispatch({ ...move, now: performance.now() });
  };
  target.addEventListener("keydown", onKey, { signal: panel.alive.signal });
}
