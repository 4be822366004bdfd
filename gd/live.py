"""The live panel's data: a run sent to the browser once, from which it shows any iteration.

Step, Play, Reset and the scrubber move the current iteration in the browser (the page's
`static/*.js`); the server computes runs and hears the iteration at most once after the user
stops moving. Everything here is a pure function of an Experiment and the view (the two
parameters the maps show, presenter mode), never of the iteration, so that one payload serves
every iteration of a run and is cached with it.

The payload is bytes: one line of JSON (no raw newline can occur in it), a newline, zero bytes
up to a multiple of 8, then the arrays' raw little-endian bytes, each at an offset (from the start
of that binary part) that is a multiple of 8; an array is referenced from the JSON as
{"dtype": "f8" | "f4" | "i4" | ..., "offset": bytes, "length": values[, "shape": "rows, columns"]}
(`shape` as Plotly writes it, for a 2-D grid), and an array sent twice is stored once. The browser
makes typed-array views of them (plotly.js takes typed arrays in a figure's data directly): no
base64 (4/3 of the bytes) and nothing hashed twice by Streamlit that is not needed. `decode` reads
a payload back for tests and benchmarks. The JSON holds:
- `id`: a digest of the whole payload, binary part included (the browser redraws only when it
  changes; it is among the first 80 bytes); `run`: a digest of the run alone, so that a new view
  of the same run keeps the browser's iteration.
- `T`, `steps` (the iterations the browser can show: all of them, or for very long runs every one
  of the first and then every s-th, see `anchor_steps`), `play` (the iterations Play shows).
- `runs`: for each run (the main one first) its label, length, the iterations its lines draw, and
  its parameters and excess loss at `steps`; the main run also its loss and gradient norm there
  and its 3-D heights, and its learning rate of each update (`rate`: one number where it is
  constant). Every number the metrics, the formulas and the titles (full precision) show,
  and every hover label of the main run, comes from a float64 array, the engine's own or
  computed by the browser to its bits (the gradient, the eigen errors). float32
  travels in the compared runs' rows (as it did before; their hover shows 4 digits), the 3-D
  heights, and the figures' arrays of traces that never show a number (`silent`: hover skipped,
  or in the 3-D scene, whose hover is off: the surface's grid, the paths, plain GD's dashed
  predictions).
- `eigenvectors` (G's, as columns, float64): the browser computes the eigen view's errors
  |v_i^T (theta_t - theta*)| from the parameters, as gd.problem.eigen_errors does, rather than
  receiving p more numbers an iteration; `eigenvalues` (G's, ascending, float64): with them it
  computes plain GD's prediction for a run of its own (the eigen view's range, static/ranges.js).
- a run's `extremes` where its rows are not all there in float64 (every compared run; the main
  run when `steps` leaves iterations out): the least and largest of what the charts' ranges take
  from it (see `extremes`), so that the browser, rerunning the main run, sets the ranges as
  gd.figures does over every run.
- `G` (p x p, float64; ridge: G + lambda D) and `c` (p): the browser computes the main run's
  gradient 2 (G theta_t - c) at every sent iteration from the parameters, in the order
  gd.problem.Problem.gradient sums it (to the same bits), rather than receiving p more numbers an
  iteration (a quarter of the default payload).
- `path`: where every iteration of the 3-D path is among `steps`, its iterations; the surface
  figure's path (tagged {"gd": "path"}) then travels without its points, which the browser takes
  from the main run's parameters and heights.
- `figures`: the charts at iteration 0 as Plotly JSON, their moving traces tagged by `meta`
  (see gd.figures.charts); the browser moves those traces exactly as gd.figures draws them at k.
- `text`: titles, captions and accessible names, built here where they are tested.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math

import numpy as np
import plotly.graph_objects as go
from plotly.io.json import to_json_plotly

from gd import figures, inputs, registry
from gd.figures.charts import convergence_points
from gd.figures.common import MAX_POINTS, PATH_POINTS, drawn_steps, runs
from gd.figures.eigen import eigen_lines, eigen_shown
from gd.figures.surface import surface_lift
from gd.run import Experiment, Run
from gd.spectrum import eigen_floor, eigen_note, varying_rate

ARRAY_BYTES = 1_500_000  # raw bytes of per-iteration arrays in one payload
PLAY_SECONDS = 15.0  # Play shows any run in about this time
PLAY_FRAMES = 300  # iterations Play shows: every one of the first, then larger strides
FIT_POINTS = 200  # samples the fit chart draws: enough to judge a fit, light to move


def anchor_steps(T: int, row_bytes: int, required: np.ndarray, budget: int = ARRAY_BYTES) -> np.ndarray:
    """The iterations the browser can stand on: every one of 0..T when their numbers fit
    `budget`; otherwise every one of the first part (where Step teaches most), then every s-th up
    to T, and always the iterations some chart or Play needs (`required`). Each anchor's next
    iteration is sent too (`sent_steps`), so that the update made there is exact everywhere."""
    if (T + 1) * row_bytes <= budget:
        return np.arange(T + 1)
    required = np.unique(required)
    rows = max(budget // (2 * row_bytes) - len(required), 4)
    dense = rows // 2
    stride = math.ceil((T - dense) / max(rows - dense, 1))
    parts = [np.arange(dense + 1), np.arange(dense, T + 1, stride), [T], required]
    return np.unique(np.concatenate(parts).astype(np.int64))


def sent_steps(anchors: np.ndarray, T: int) -> np.ndarray:
    """The anchors and the iteration after each (within 0..T)."""
    return np.unique(np.concatenate([anchors, np.minimum(anchors + 1, T)]))


def play_marks(T: int, frames: int = PLAY_FRAMES) -> np.ndarray:
    """The iterations Play shows in turn, one a frame: every one at first, then larger strides."""
    return figures.milestones(T, frames)


class Arrays:
    """A payload's binary part: arrays' little-endian bytes, each at an offset that is a multiple
    of 8, referenced from the JSON; an array added twice (the same dtype and bytes) is stored
    once."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0
        self.stored: dict[tuple[str, bytes], int] = {}

    def add(self, values, dtype: str = "f8", shape: str | None = None) -> dict:
        """A reference to `values` as `dtype` ("f8", "f4", "i4", ...: Plotly's names); "f4" stays
        "f8" where a finite value would not fit float32 (past 3.4e38 it would be drawn as inf)."""
        if dtype == "f4":
            values = np.asarray(values, dtype=float)
            finite = np.abs(values[np.isfinite(values)])
            if finite.size and finite.max() > np.finfo(np.float32).max:
                dtype = "f8"
        data = np.ascontiguousarray(values, dtype="<" + dtype).tobytes()
        offset = self.stored.get((dtype, data))
        if offset is None:
            offset = self.stored[dtype, data] = self.size
            self.parts.append(data + bytes(-len(data) % 8))
            self.size += len(self.parts[-1])
        ref = {"dtype": dtype, "offset": offset, "length": len(data) // np.dtype(dtype).itemsize}
        if shape is not None:
            ref["shape"] = shape
        return ref

    def bytes(self) -> bytes:
        return b"".join(self.parts)

    def figure(self, fig: go.Figure | dict) -> str:
        """A figure's Plotly JSON (as plotly.io.to_json writes it) with its arrays moved here, in
        float32 where a trace never shows a number of them (`silent`), else as they are."""
        spec = fig if isinstance(fig, dict) else fig.to_dict()  # arrays as Plotly's typed-array specs
        for trace in spec["data"]:
            trace.pop("uid", None)
            self._move(trace, silent(trace, spec["layout"]))
        self._move(spec["layout"], False)
        return to_json_plotly(spec)

    def _move(self, node, narrow: bool) -> None:
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in items:
            if isinstance(value, dict) and "bdata" in value and "dtype" in value:
                values = np.frombuffer(base64.b64decode(value["bdata"]), dtype="<" + value["dtype"])
                dtype = "f4" if narrow and value["dtype"] == "f8" else value["dtype"]
                node[key] = self.add(values, dtype, value.get("shape"))
            elif isinstance(value, dict | list):
                self._move(value, narrow)


def silent(trace: dict, layout: dict) -> bool:
    """Whether no number of a trace is ever shown as text: its hover is skipped, or it is drawn in
    a 3-D scene without hover (gd.figures.surface: the scene's hovermode is off). Its arrays may
    then travel as float32, which the eye cannot tell from float64 on a chart."""
    if trace.get("hoverinfo") in ("skip", "none"):
        return True
    return trace.get("type") in ("surface", "scatter3d") and layout.get("scene", {}).get("hovermode") is False


def decode(data: bytes) -> dict:
    """A payload read back (tests, benchmarks): its JSON with every array reference replaced by
    Plotly's typed-array spec of the same array ({"dtype", "bdata": base64[, "shape"]}), the
    form plotly.io.to_json writes a figure in."""
    data = bytes(data)
    end = data.index(b"\n")
    start = end + 1 + (-(end + 1) % 8)
    binary = memoryview(data)[start:]

    def revive(node: dict):
        if set(node) - {"shape"} == {"dtype", "offset", "length"}:
            size = node["length"] * np.dtype(node["dtype"]).itemsize
            spec = {
                "dtype": node["dtype"],
                "bdata": base64.b64encode(binary[node["offset"] : node["offset"] + size]).decode(),
            }
            if "shape" in node:
                spec["shape"] = node["shape"]
            return spec
        return node

    return json.loads(data[:end], object_hook=revive)


def payload(ex: Experiment, i: int, j: int, presenter: bool = False) -> bytes:
    """The live panel's data for run `ex` with the maps over parameters i and j."""
    all_runs = runs(ex)
    T = ex.trajectory.steps  # the timeline is the main run's (a compared run may be longer)
    p = ex.problem.p
    limits = {MAX_POINTS, convergence_points(ex)}
    drawn = [{str(n): figures.milestones(run.trajectory.steps, n) for n in limits} for run in all_runs]
    marks = play_marks(T)
    required = np.concatenate([marks, *[a[a <= T] for d in drawn for a in d.values()]])
    # P, then loss, excess, gradient norm and rate (f8), the 3-D height (f4), others' rows (f4)
    row_bytes = 8 * (p + 4) + 4 + 4 * (p + 1) * (len(all_runs) - 1)
    anchors = anchor_steps(T, row_bytes, required)
    steps = sent_steps(anchors, T)

    arrays = Arrays()
    xs, ys, Z = figures.common.slice_grid(ex, i, j)
    lift = surface_lift(Z)
    rates = ex.step_rates
    run_data = []
    for r, (run, lists) in enumerate(zip(all_runs, drawn, strict=True)):
        at = steps[steps <= run.trajectory.steps]
        P = run.trajectory.params[at]
        exact = "f8" if r == 0 else "f4"
        item = {
            "label": run.label,
            "T": run.trajectory.steps,
            "drawn": {n: arrays.add(a, "i4") for n, a in lists.items()},
            "P": arrays.add(P, exact),
            "excess": arrays.add(ex.problem.excess_loss(P), exact),
        }
        if r == 0:
            item |= {
                "z": arrays.add(figures.common.slice_points(ex, i, j, P) + lift, "f4"),
                "loss": arrays.add(run.trajectory.loss[at]),
                "grad_norm": arrays.add(run.trajectory.grad_norm[at]),
            }
            if ex.problem.l2:  # ridge: the plain mean squared error beside the objective
                item["mse"] = arrays.add(ex.problem.mse(P))
            if rates is not None:  # eta of the update after each sent iteration (the last one's at T)
                last = run.trajectory.steps - 1  # -1: no update kept (a run stopped at step 1)
                rate = rates[np.minimum(at, last)] if last >= 0 else np.full(len(at), np.nan)
                constant = len(rate) and np.isfinite(rate[0]) and np.all(rate == rate[0])
                item["rate"] = float(rate[0]) if constant else arrays.add(rate)
        if r > 0 or len(steps) < T + 1:
            item["extremes"] = extremes(ex, run, arrays, main=r == 0)
        run_data.append(item)

    pb, s = ex.problem, ex.settings
    path = drawn_steps(T, T, PATH_POINTS)
    derived_path = bool(np.all(np.isin(path, steps)))
    meta = {
        "T": T,
        "p": p,
        "i": i,
        "j": j,
        "presenter": presenter,
        "names": list(ex.names),
        "steps": None if len(steps) == T + 1 else arrays.add(steps, "i4"),
        "anchors": None if len(anchors) == T + 1 else arrays.add(anchors, "i4"),
        "play": arrays.add(marks, "i4"),
        "points": MAX_POINTS,
        "play_seconds": PLAY_SECONDS,
        "runs": run_data,
        "learning_rate": s.learning_rate,
        "diverged_at": ex.trajectory.diverged_at,
        "theta_star": pb.theta_star.tolist(),
        "eigenvectors": arrays.add(pb.eigenvectors),  # row m: component m of each eigenvector
        "eigenvalues": arrays.add(pb.eigenvalues),
        "G": arrays.add(pb.G),  # ridge: G + lambda D; the browser computes the gradient from G and c
        "c": arrays.add(pb.c),
        "path": arrays.add(path, "i4") if derived_path else None,
        "true_theta": None if ex.true_theta is None else ex.true_theta.tolist(),
        "mean": None if ex.mean is None else ex.mean.tolist(),
        "scale": None if ex.scale is None else ex.scale.tolist(),
        "floor": pb.excess_floor(ex.trajectory.params[0]),
        "eig_floor": eigen_floor(ex),
        # the math writes eta_k where the rate changes from update to update, eta where it does not
        "varying_rate": varying_rate(ex),
        "span": [float(xs[-1] - xs[0]), float(ys[-1] - ys[0])],
        "fit": _fit(ex, arrays),
        "condition_number": pb.condition_number,
        "text": _text(ex, i, j),
        "whatif": whatif(ex, arrays, lift),
    }
    surface = figures.surface_figure(ex, i, j, presenter).to_dict()
    if derived_path:  # the browser draws the path from the main run's rows (`path`)
        for trace in surface["data"]:
            if trace.get("meta", {}).get("gd") == "path":
                del trace["x"], trace["y"], trace["z"]
    charts = {
        "surface": surface,
        "contour": figures.contour_figure(ex, i, j, 0, presenter),
        "convergence": figures.convergence_figure(ex, 0, presenter),
        "loss": figures.loss_figure(ex, 0, presenter),
        "fit": figures.fit_figure(ex, 0, presenter, FIT_POINTS),
        "eigen": figures.eigen_figure(ex, 0, presenter),
    }
    rate_chart = figures.rate_figure(ex, 0, presenter)
    if rate_chart is not None:
        charts["rate"] = rate_chart
    body = (
        json.dumps(meta, separators=(",", ":"))[:-1]
        + ',"figures":{'
        + ",".join(f'"{name}":{arrays.figure(fig)}' for name, fig in charts.items())
        + "}}"
    ).encode()
    binary = arrays.bytes()
    head = json.dumps({"id": _digest(body + binary), "run": run_key(ex)}, separators=(",", ":")).encode()
    text = head[:-1] + b"," + body[1:] + b"\n"
    return text + bytes(-len(text) % 8) + binary


def payload_id(data: bytes) -> str:
    """A payload's `id` (the first field of its JSON line: `{"id":"<hex>",...`), read without
    parsing the rest."""
    return data[7 : data.index(b'"', 7)].decode()


def extremes(ex: Experiment, run: Run, arrays: Arrays, main: bool) -> dict:
    """What the charts' ranges take from a run the payload does not carry whole in float64
    (static/ranges.js), over every iteration of it, as [least, largest]: its excess loss and its
    parameters; for the main run also its errors along the eigenvectors (neither held at the
    floor: the browser applies the floors), the eigen view's share of plain GD's prediction
    (`eigen_shown`'s second array; None without one) and [its largest finite rate] (0 where none
    is; None without rates). f8 arrays: every bit, and an infinity the JSON could not carry."""

    def pair(values: np.ndarray) -> dict:
        return arrays.add([np.min(values), np.max(values)])

    P = run.trajectory.params
    out = {"excess": pair(ex.problem.excess_loss(P)), "params": pair(P)}
    if main:
        E, theory = eigen_lines(ex)
        shown = eigen_shown(E, theory, eigen_floor(ex))
        rates = ex.step_rates
        out |= {
            "eigen": pair(ex.problem.eigen_errors(P)),
            "prediction": pair(shown[1]) if len(shown) > 1 else None,
            "rate": None if rates is None else arrays.add([np.max(rates[np.isfinite(rates)], initial=0.0)]),
        }
    return out


def run_key(ex: Experiment) -> str:
    """A digest of the run alone (settings, comparisons, data), the same for every view of it:
    the browser's reports of its iteration name it, so that a report about another run is told
    apart."""
    pb = ex.problem
    return _digest(repr((ex.settings, tuple(r.settings for r in ex.others), pb.theta_star.tobytes(), pb.n)))


def _digest(data: str | bytes) -> str:
    return hashlib.blake2b(data.encode() if isinstance(data, str) else data, digest_size=12).hexdigest()


RATE_POSITIONS = 401  # the panel's learning-rate slider: positions over the sidebar's range, log scale
MOMENTUM_POSITIONS = 100  # the panel's momentum slider: 0, 0.01, ..., 0.99


def whatif(ex: Experiment, arrays: Arrays, lift: float) -> dict:
    """What the panel's controls (static/whatif.js, whatif-panel.js) rerun the main run from in the
    browser while a control is dragged (issue 22): the problem's statistics (gd.problem.Problem
    .statistics, the matrices as arrays: G is the payload's own, stored once), the settings in
    force, the sliders' bounds (the sidebar's: gd.inputs.RANGES, gd.registry.MOMENTUM), each
    optimizer's capabilities and stability limit (at each of the momentum slider's positions where
    it takes momentum), and the 3-D path's lift. The browser runs any full-batch choice from it,
    while a control is dragged and after (the settings the page holds travel in the panel's own
    element: panel.py's live_panel); on release it sends the settings once, and the server records
    them without a run (ui.runs.the_run)."""
    pb, s = ex.problem, ex.settings
    stats = pb.statistics()
    problem = {key: stats[key] for key in ("p", "theta_star", "loss_star", "residual_tolerance")}
    problem |= {"G": arrays.add(pb.G), "c": arrays.add(pb.c), "pseudo_inverse": arrays.add(pb.pseudo_inverse)}
    mu = registry.MOMENTUM
    betas = [round(n / MOMENTUM_POSITIONS, 2) for n in range(MOMENTUM_POSITIONS)]
    hyper = {name: getattr(s, name) for name in ("momentum", "eps", "alpha", "beta1", "beta2", "damping")}
    optimizers = []
    for name, entry in registry.OPTIMIZERS.items():
        takes = any(h.range is mu for h in entry.hypers)
        limits = None
        if takes and entry.limit is not None:
            limits = [entry.stability_limit(pb.lambda_max, **{**hyper, "momentum": b}) for b in betas]
        optimizers.append(
            {
                "name": name,
                "label": entry.label,
                "rate": entry.rate,
                "momentum": takes,
                "picks_rate": entry.picks_rate,
                "browser": not entry.minibatch,  # mini-batches need the samples: the server's
                "limit": entry.stability_limit(pb.lambda_max, **hyper),
                "limits": limits,
            }
        )
    rate = inputs.RANGES["learning_rate"]
    settings = {
        "optimizer": s.optimizer,
        "learning_rate": s.learning_rate,
        "steps": s.steps,
        "start": ex.trajectory.params[0].tolist(),
        "schedule": s.schedule,
        "gamma": s.gamma,
        "step_size": s.step_size,
        **hyper,
    }
    return {
        "problem": problem,
        "settings": settings,
        "rate": {"min": rate.minimum, "max": rate.maximum, "positions": RATE_POSITIONS},
        "momentum": {"min": mu.minimum, "max": betas[-1], "positions": MOMENTUM_POSITIONS},
        "optimizers": optimizers,
        "lift": lift,
        "l2": s.l2,
        "constant_schedule": registry.schedule(s.schedule).constant,
        "play_frames": PLAY_FRAMES,
        "rank": pb.rank,  # G's nonzero eigenvalues are the last `rank`: plain GD's bound (static/theory.js)
    }


def _fit(ex: Experiment, arrays: Arrays) -> dict:
    """What the fit chart needs to move: the drawn samples (d > 1: predicted against actual)."""
    if ex.d == 1:
        return {"kind": "line"}
    return {"kind": "scatter", "X": arrays.add(ex.sample_X[:FIT_POINTS], "f4"), "d": ex.d}


def _text(ex: Experiment, i: int, j: int) -> dict:
    """The panel's words: plain text (the browser sets it as text, never as HTML)."""
    pb = ex.problem
    others = "the other parameters" if ex.d > 1 else "nothing else"
    several = " Each run has its colour and dash." if ex.others else ""
    rank = f" The data are rank-deficient (rank {pb.rank} of {pb.p})." if pb.rank_deficient else ""
    return {
        "surface": f"3-D loss surface over {ex.names[i]} and {ex.names[j]}, {others} held at their "
        "least-squares values, with the descent path and the current point.",
        "surface_caption": f"The loss over {ex.names[i]} and {ex.names[j]}, {others} held at their "
        "least-squares values. Drag to turn it.",
        "contour": f"Contour map of the loss over {ex.names[i]} and {ex.names[j]}: the path so far, the "
        "current point, the least-squares optimum, the gradient step and the actual update as arrows."
        + several,
        "convergence": "Each parameter against the iteration, with its true value dashed and its "
        "least-squares value dotted." + several,
        "loss": "Excess loss L − L* on a log scale against the iteration, with plain gradient "
        "descent's theoretical bound." + several,
        "fit": "The data and the fitted line at the current iteration."
        if ex.d == 1
        else "Predicted against actual target at the current iteration; a perfect fit lies on the diagonal.",
        "condition": "λmax / λmin of the Hessian (nonzero λ): how much slower the slowest direction "
        "converges than the fastest."
        + (" Under ridge, of G + λD: the bias, not penalised, is one of its directions." if pb.l2 else "")
        + rank,
        "optimizer": ex.settings.optimizer,
        "eigen": "The error along each eigenvector of G on a log scale against the iteration"
        + (", beside plain gradient descent's prediction (dashed)." if rate_view(ex) else "."),
        "eigen_caption": eigen_note(ex),
        "rate": "The learning rate of each update against the update, the current one marked"
        + (", with the stability limit dashed." if ex.limit is not None else "."),
        "rate_caption": rate_caption(ex),
    }


def rate_view(ex: Experiment) -> bool:
    """Whether the eigen view draws plain GD's prediction (the run has a schedule of rates)."""
    return ex.step_rates is not None and not registry.entry(ex.settings.optimizer).picks_rate


def rate_caption(ex: Experiment) -> str:
    s = ex.settings
    if registry.entry(s.optimizer).picks_rate:
        return "linesearch picks each step's rate itself: ηₜ = gᵀg / (2 gᵀGg), the exact minimum along −g."
    if not rate_view(ex):
        return f"{s.optimizer} has no learning rate: the rate and the schedule have no effect on it."
    if registry.schedule(s.schedule).constant:
        return f"A constant rate η = {s.learning_rate:g} (choose a schedule under Advanced)."
    return f"The {s.schedule} schedule, as torch.optim.lr_scheduler steps it after every update."
