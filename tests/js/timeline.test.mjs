// The timeline (static/timeline.js): every transition, events in, state out.
import { test } from "node:test";
import assert from "node:assert/strict";
import { advance, next, previous, snap, timeline } from "../../static/timeline.js";

const marks = [0, 1, 2, 3, 4, 6, 8, 10];
const run = (over = {}) => timeline({ T: 10, marks, seconds: 1, ...over });
const long = (over = {}) => timeline({ T: 100, anchors: [0, 1, 2, 3, 50, 99, 100], marks: [0, 1, 2, 3, 50, 100], seconds: 1, ...over });

test("a new timeline starts where asked, snapped to an iteration it can stand on", () => {
  const s = run({ k: 7.4 });
  assert.deepEqual([s.k, s.playing, s.follow, s.settle, s.scene], [7, false, true, false, false]);
  assert.equal(run({ k: 25 }).k, 10);
  assert.equal(run({ k: -3 }).k, 0);
  assert.equal(long({ k: 40 }).k, 50);
});

test("snap, next and previous stand on every iteration of a short run", () => {
  const s = run();
  assert.deepEqual([snap(s, 3.6), next(s, 3), next(s, 10), previous(s, 3)], [4, 4, 10, 2]);
});

test("snap, next and previous stand on the anchors of a long run", () => {
  const s = long();
  assert.deepEqual([snap(s, 30), snap(s, 20), next(s, 3), next(s, 50), previous(s, 50), previous(s, 99)], [50, 3, 50, 99, 3, 50]);
  assert.equal(next(s, 100), 100);
});

test("Step moves one update on, settles and draws the scene", () => {
  const s = advance(run({ k: 3 }), { type: "step" });
  assert.deepEqual([s.k, s.playing, s.settle, s.scene], [4, false, true, true]);
});

test("Step at the end stays at the end (and still settles)", () => {
  const s = advance(run({ k: 10 }), { type: "step" });
  assert.deepEqual([s.k, s.settle], [10, true]);
});

test("Step on a long run goes to the next anchor", () => {
  assert.equal(advance(long({ k: 3 }), { type: "step" }).k, 50);
});

test("Step during Play stops Play one update on", () => {
  const playing = advance(run({ k: 2 }), { type: "play", now: 1000 });
  const s = advance(playing, { type: "step" });
  assert.deepEqual([s.k, s.playing, s.settle], [3, false, true]);
});

test("Play starts from the mark after k, without settling", () => {
  const s = advance(run({ k: 3 }), { type: "play", now: 1000 });
  assert.equal(s.playing, true);
  assert.equal(s.k, 3);
  assert.equal(s.settle, false);
  // the mark after 3 is marks[4] (4): Play's clock stands (4 - 1) / 8 of a second in
  assert.equal(s.playStart, 1000 - (3 / 8) * 1000);
});

test("Play at the end starts again from 0", () => {
  const s = advance(run({ k: 10 }), { type: "play", now: 0 });
  assert.deepEqual([s.k, s.playing], [0, true]);
});

test("Play does nothing on a run of no update", () => {
  const s = advance(timeline({ T: 0, marks: [0], seconds: 1 }), { type: "play", now: 0 });
  assert.equal(s.playing, false);
});

test("Play's ticks move k with the time, never backwards", () => {
  let s = advance(run(), { type: "play", now: 0 }); // index 1: the clock starts at 0
  s = advance(s, { type: "tick", now: 400 }); // 400 ms of 1 s: position 3 of 8 marks
  assert.deepEqual([s.k, s.playing, s.settle], [3, true, false]);
  s = advance(s, { type: "tick", now: 700 }); // position 5: mark 6
  assert.equal(s.k, 6);
  s = advance(s, { type: "tick", now: 100 }); // a late tick: k stays
  assert.equal(s.k, 6);
});

test("Play reaching the end stops on T, settles and draws the scene", () => {
  let s = advance(run({ k: 8 }), { type: "play", now: 0 });
  s = advance(s, { type: "tick", now: 5000 });
  assert.deepEqual([s.k, s.playing, s.settle, s.scene], [10, false, true, true]);
  const after = advance(s, { type: "tick", now: 6000 }); // a tick after the end changes nothing
  assert.deepEqual([after.k, after.playing, after.settle], [10, false, false]);
});

test("Play on a long run shows only its marks", () => {
  let s = advance(long(), { type: "play", now: 0 });
  s = advance(s, { type: "tick", now: 700 }); // position 4 of 6: mark 50
  assert.equal(s.k, 50);
});

test("Pause stops on the iteration shown, settles and draws the scene", () => {
  let s = advance(run(), { type: "play", now: 0 });
  s = advance(s, { type: "tick", now: 400 });
  s = advance(s, { type: "pause" });
  assert.deepEqual([s.k, s.playing, s.settle, s.scene], [3, false, true, true]);
});

test("Pause when not playing changes nothing", () => {
  const s = advance(run({ k: 4 }), { type: "pause" });
  assert.deepEqual([s.k, s.playing, s.settle, s.scene], [4, false, false, false]);
});

test("the Play button plays, then pauses", () => {
  const playing = advance(run({ k: 2 }), { type: "toggle", now: 0 });
  assert.equal(playing.playing, true);
  const paused = advance(playing, { type: "toggle", now: 10 });
  assert.deepEqual([paused.playing, paused.settle], [false, true]);
});

test("Follow during Play changes the view and Play goes on", () => {
  let s = advance(run(), { type: "play", now: 0 });
  s = advance(s, { type: "tick", now: 400 });
  s = advance(s, { type: "follow", follow: false });
  assert.deepEqual([s.follow, s.playing, s.k, s.settle], [false, true, 3, false]);
  s = advance(s, { type: "tick", now: 700 });
  assert.deepEqual([s.k, s.follow], [6, false]);
  s = advance(s, { type: "follow", follow: true });
  assert.deepEqual([s.follow, s.playing], [true, true]);
});

test("the scrubber stops Play and goes to the nearest iteration; letting go settles", () => {
  let s = advance(run(), { type: "play", now: 0 });
  s = advance(s, { type: "scrub", k: 7.6 });
  assert.deepEqual([s.k, s.playing, s.settle, s.scene], [8, false, false, true]);
  s = advance(s, { type: "scrubbed" });
  assert.deepEqual([s.k, s.settle], [8, true]);
  assert.equal(advance(long(), { type: "scrub", k: 70 }).k, 50);
});

test("Reset goes back to 0 and stops Play", () => {
  let s = advance(run({ k: 5 }), { type: "play", now: 0 });
  s = advance(s, { type: "reset" });
  assert.deepEqual([s.k, s.playing, s.settle, s.scene], [0, false, true, true]);
});

test("a reopen (a preset chosen) goes to its start, within the run", () => {
  let s = advance(run({ k: 5 }), { type: "play", now: 0 });
  s = advance(s, { type: "open", k: 40 });
  assert.deepEqual([s.k, s.playing, s.settle], [10, false, false]);
  assert.equal(advance(long(), { type: "open", k: 60 }).k, 50);
});

test("a transition leaves the state it was given as it was", () => {
  const s = run({ k: 2 });
  const copy = { ...s };
  advance(s, { type: "step" });
  advance(s, { type: "play", now: 0 });
  assert.deepEqual(s, copy);
});

test("an unknown event is an error, not a silent no-op", () => {
  assert.throws(() => advance(run(), { type: "jump" }), /unknown timeline event jump/);
});
