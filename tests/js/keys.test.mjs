// The clicker's and the keyboard's keys (static/keys.js), and the timeline's events they send.
import { test } from "node:test";
import assert from "node:assert/strict";
import { timelineKey } from "../../static/keys.js";
import { advance, timeline } from "../../static/timeline.js";

// A stand-in for an element: its tag, type, role, editability and the selectors it sits inside.
function element({ tag = "div", role = null, editable = false, inside = [] } = {}) {
  return {
    tagName: tag.toUpperCase(),
    isContentEditable: editable,
    getAttribute: (name) => (name === "role" ? role : null),
    closest: (selector) => (inside.some((s) => selector.includes(s)) ? {} : null),
  };
}
const press = (key, target = element({ tag: "body" }), more = {}) => timelineKey({ key, target, ...more });

test("on the page, each key a clicker or a keyboard sends is the timeline's event", () => {
  const sent = Object.fromEntries([" ", "ArrowRight", "PageDown", "ArrowLeft", "PageUp", "Home", "End"].map((k) => [k, press(k)?.type]));
  assert.deepEqual(sent, { " ": "toggle", ArrowRight: "step", PageDown: "step", ArrowLeft: "back", PageUp: "back", Home: "reset", End: "end" });
  assert.equal(press("Enter"), null);
  assert.equal(press("a"), null);
});

test("a key with Ctrl, Alt or Meta, or one already handled, is left to the browser", () => {
  for (const more of [{ ctrlKey: true }, { altKey: true }, { metaKey: true }, { defaultPrevented: true }]) {
    assert.equal(press("ArrowRight", undefined, more), null, JSON.stringify(more));
  }
});

test("text boxes, selects, sliders and editable text keep every key", () => {
  const owners = [element({ tag: "input" }), element({ tag: "textarea" }), element({ tag: "select" }), element({ editable: true }), element({ role: "slider" }), element({ role: "combobox" }), element({ role: "spinbutton" })];
  for (const target of owners) for (const key of [" ", "ArrowLeft", "Home", "PageDown"]) assert.equal(press(key, target), null, `${target.tagName} ${key}`);
});

test("a chart's toolbar keeps its arrows (they walk its buttons)", () => {
  const inToolbar = element({ tag: "a", inside: [".modebar"] });
  assert.equal(press("ArrowRight", inToolbar), null);
  assert.equal(press("ArrowLeft", element({ tag: "button", inside: ["[role='toolbar']"] })), null);
});

test("a focused button keeps Space (it presses the button) and lets the page keys through", () => {
  const button = element({ tag: "button" });
  assert.equal(press(" ", button), null);
  assert.equal(press(" ", element({ role: "checkbox" })), null);
  assert.equal(press(" ", element({ tag: "summary" })), null);
  assert.equal(press("PageDown", button).type, "step");
  assert.equal(press("End", button).type, "end");
});

const marks = [0, 1, 2, 3, 4, 6, 8, 10];
const run = (over = {}) => timeline({ T: 10, marks, seconds: 1, ...over });
const long = () => timeline({ T: 100, anchors: [0, 1, 2, 3, 50, 99, 100], marks: [0, 1, 2, 3, 50, 100], seconds: 1, k: 50 });

test("back moves one update back, stops Play, settles and draws the scene; at 0 it stays", () => {
  const playing = advance(run({ k: 4 }), { type: "play", now: 0 });
  const s = advance(playing, { type: "back" });
  assert.deepEqual([s.k, s.playing, s.settle, s.scene], [3, false, true, true]);
  assert.equal(advance(run(), { type: "back" }).k, 0);
  assert.equal(advance(long(), { type: "back" }).k, 3); // the anchor before 50
});

test("end goes to the last iteration and stops Play; Home's reset goes to 0", () => {
  const playing = advance(run({ k: 2 }), { type: "play", now: 0 });
  const s = advance(playing, { type: "end" });
  assert.deepEqual([s.k, s.playing, s.settle, s.scene], [10, false, true, true]);
  assert.equal(advance(s, { type: "reset" }).k, 0);
});
