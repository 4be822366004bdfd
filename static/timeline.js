// The timeline: Step, Play, Pause, Reset, the scrubber and Follow as a pure state machine. Events
// in, state out (`advance`); no DOM, no clock of its own (Play's ticks bring the time). The mount
// module draws whatever a new state shows.
//
// A state: { T, anchors, marks, seconds, k, playing, follow, playStart, settle, scene }.
// `anchors`: the iterations a very long run can stand on (null: every one of 0..T); `marks`: the
// iterations Play shows in turn (gd.live.play_marks), over `seconds`. Each transition also says
// what it asks of the page: `settle` (the user stopped moving: report the iteration after a
// quiet) and `scene` (draw the 3-D scene at once rather than when it has time).

// The nearest iteration the browser can stand on (every one unless the run is very long).
export function snap(state, k) {
  k = Math.max(0, Math.min(Math.round(k), state.T));
  if (!state.anchors) return k;
  let best = state.anchors[0];
  for (const a of state.anchors) if (Math.abs(a - k) < Math.abs(best - k)) best = a;
  return best;
}

// The iteration Step goes to from k.
export function next(state, k) {
  if (!state.anchors) return Math.min(k + 1, state.T);
  for (const a of state.anchors) if (a > k) return a;
  return state.T;
}

// The iteration before k the browser can stand on (the loss change is measured from it).
export function previous(state, k) {
  if (!state.anchors) return k - 1;
  let before = 0;
  for (const a of state.anchors) if (a < k) before = a;
  return before;
}

// A timeline for a run of T updates, at iteration k (snapped).
export function timeline({ T, anchors = null, marks, seconds, k = 0, follow = true }) {
  const state = { T, anchors, marks, seconds, k: 0, playing: false, follow, playStart: 0, settle: false, scene: false };
  state.k = snap(state, k);
  return state;
}

// Play's iteration at time `now` (ms): the mark a share of `seconds` in, never behind k, at most T.
function playedTo(state, now) {
  const { marks } = state;
  const position = Math.floor(((now - state.playStart) / (state.seconds * 1000)) * marks.length);
  const k = Math.max(marks[Math.min(Math.max(position, 0), marks.length - 1)], state.k);
  return Math.min(k, state.T);
}

// The state after `event`:
//   {type: "step"}            one update on (stops Play)
//   {type: "play", now}       Play from k (from 0 at the end); nothing for a run of no update
//   {type: "pause"}           stop on the iteration shown
//   {type: "toggle", now}     the Play/Pause button
//   {type: "tick", now}       a frame of Play: k moves on with the time; at T Play stops
//   {type: "scrub", k}        the scrubber moved (stops Play), to the nearest iteration there is
//   {type: "scrubbed"}        the scrubber let go
//   {type: "back"}            one update back (stops Play)
//   {type: "reset"}           back to 0 (stops Play)
//   {type: "end"}             to the last iteration, T (stops Play)
//   {type: "open", k}         a preset reopened the panel at k (stops Play)
//   {type: "follow", follow}  the lines' x-axis follows k or shows the whole run (Play goes on)
export function advance(state, event) {
  const s = { ...state, settle: false, scene: false };
  const stop = () => {
    s.playing = false;
  };
  switch (event.type) {
    case "step":
      stop();
      if (s.k < s.T) s.k = next(s, s.k);
      s.settle = true;
      s.scene = true;
      return s;
    case "play": {
      if (s.T === 0 || s.playing) return s;
      if (s.k >= s.T) s.k = 0;
      let index = s.marks.findIndex((m) => m > s.k);
      if (index < 0) index = s.marks.length - 1;
      s.playing = true;
      s.playStart = event.now - ((index - 1) / s.marks.length) * s.seconds * 1000;
      return s;
    }
    case "pause":
      if (!s.playing) return s;
      stop();
      s.settle = true;
      s.scene = true;
      return s;
    case "toggle":
      return advance(state, s.playing ? { type: "pause" } : { type: "play", now: event.now });
    case "tick":
      if (!s.playing) return s;
      s.k = playedTo(s, event.now);
      if (s.k >= s.T) {
        stop();
        s.settle = true;
        s.scene = true;
      }
      return s;
    case "scrub":
      stop();
      s.k = snap(s, event.k);
      s.scene = true;
      return s;
    case "scrubbed":
      s.settle = true;
      return s;
    case "back":
      stop();
      if (s.k > 0) s.k = previous(s, s.k);
      s.settle = true;
      s.scene = true;
      return s;
    case "end":
      stop();
      s.k = s.T;
      s.settle = true;
      s.scene = true;
      return s;
    case "reset":
      stop();
      s.k = 0;
      s.settle = true;
      s.scene = true;
      return s;
    case "open":
      stop();
      s.k = snap(s, Math.min(event.k, s.T));
      s.scene = true;
      return s;
    case "follow":
      s.follow = Boolean(event.follow);
      return s;
    default:
      throw new Error(`unknown timeline event ${event.type}`);
  }
}
