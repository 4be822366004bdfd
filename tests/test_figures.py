"""gd.figures: plain functions of a run, tested without Streamlit against the engine and the data."""

import json

import numpy as np
import plotly.io as pio
import pytest

from gd import figures
from gd.data import make_regression
from gd.figures.common import DASHES, MAX_FRAMES, RUN_COLOURS, label, run_style, runs
from gd.inputs import Settings
from gd.run import experiment, variants


@pytest.fixture(scope="module")
def ex():
    return experiment(Settings(samples=400, steps=300))


def direct_loss(X, y, theta):
    return np.mean((X @ theta[:-1] + theta[-1] - y) ** 2)


def test_surface_equals_loss_computed_directly_from_the_data(ex):
    s = ex.settings
    data = make_regression(s.true_weights, s.bias, s.samples, s.noise, s.seed)
    i, j = 4, 3
    fig = figures.surface_figure(ex, i, j)
    surface = fig.data[0]
    Z = np.asarray(surface.z)
    star = ex.problem.theta_star
    for a in (0, 17, 49):
        for b in (0, 23, 49):
            theta = star.copy()
            theta[i], theta[j] = surface.x[a], surface.y[b]
            # rows of z run along y, columns along x, as Plotly's surfaces read them
            assert Z[b, a] == pytest.approx(direct_loss(data.X, data.y, theta), rel=1e-10, abs=1e-12)


def test_surface_path_is_the_trajectory_and_frames_move_only_the_marker(ex):
    i, j = 4, 3
    fig = figures.surface_figure(ex, i, j, animated=True)
    path = fig.data[1]
    P = ex.trajectory.params
    np.testing.assert_array_equal(path.x[0], P[0, i])
    np.testing.assert_array_equal(path.x[-1], P[-1, i])
    assert set(np.asarray(path.x)) <= set(P[:, i])
    assert 10 <= len(fig.frames) <= MAX_FRAMES
    for frame in fig.frames:
        assert list(frame.traces) == [2, 3]  # marker and trail, never the surface
        k = int(frame.name)
        assert frame.data[0].x == (P[k, i],) and frame.data[0].y == (P[k, j],)
    assert fig.frames[0].name == "0" and fig.frames[-1].name == str(ex.trajectory.steps)
    # play/pause buttons and a slider, animating in the browser
    labels = [b.label for b in fig.layout.updatemenus[0].buttons]
    assert any("Play" in label for label in labels) and any("Pause" in label for label in labels)
    assert len(fig.layout.sliders[0].steps) == len(fig.frames)
    # fixed axis ranges hold the whole path
    assert fig.layout.scene.xaxis.range[0] <= P[:, i].min()
    assert fig.layout.scene.xaxis.range[1] >= P[:, i].max()


def test_surface_path_lies_on_the_drawn_slice(ex):
    i, j = 0, 5  # a weight and the bias
    fig = figures.surface_figure(ex, i, j)
    star = ex.problem.theta_star
    path = fig.data[1]
    lift = fig.data[2].z[0] - figures.slice_loss(ex, i, j, np.array([0]))[0]
    for x, y, z in list(zip(path.x, path.y, path.z, strict=True))[:: max(1, len(path.x) // 20)]:
        theta = star.copy()
        theta[i], theta[j] = x, y
        assert z - lift == pytest.approx(ex.problem.loss(theta), rel=1e-9)


def test_traces_are_named_w1_to_wd_and_b(ex):
    fig = figures.convergence_figure(ex, 50)
    names = [t.name for t in fig.data if t.showlegend is not False]
    assert names == ["w1", "w2", "w3", "w4", "w5", "b"]
    line = fig.data[0]
    np.testing.assert_array_equal(line.y, ex.trajectory.params[np.asarray(line.x), 0])
    assert max(line.x) == 50
    truths = [t for t in fig.data if t.name.startswith("true ")]
    assert [t.y[0] for t in truths] == [2, 4, 5, 9, 11, 2]


def test_charts_follow_the_current_iteration(ex):
    for k in (0, 1, 7, 300):
        contour = figures.contour_figure(ex, 4, 3, k)
        current = contour.data[3]
        assert current.x == (ex.trajectory.params[k, 4],) and current.y == (ex.trajectory.params[k, 3],)
        assert (
            max(contour.data[1].x.tolist() if hasattr(contour.data[1].x, "tolist") else contour.data[1].x)
            <= ex.trajectory.params[:, 4].max()
        )
        loss = figures.loss_figure(ex, k)
        assert loss.data[2].x == (k,)
        # the excess loss at k, floored at the chart's round-off level (log axes cannot show 0)
        floor = max(float(ex.problem.loss(ex.trajectory.params[0])), ex.problem.loss_star) * 1e-16
        assert loss.data[2].y[0] == pytest.approx(
            max(float(ex.problem.excess_loss(ex.trajectory.params[k])), floor), rel=1e-12
        )
        fit = figures.fit_figure(ex, k)
        pred = ex.sample_X[:1000] @ ex.trajectory.params[k, :-1] + ex.trajectory.params[k, -1]
        np.testing.assert_allclose(fit.data[0].y, pred, rtol=1e-12)


def test_axis_ranges_do_not_move_with_the_iteration(ex):
    for build in (
        lambda k: figures.convergence_figure(ex, k),
        lambda k: figures.loss_figure(ex, k),
        lambda k: figures.fit_figure(ex, k),
        lambda k: figures.contour_figure(ex, 4, 3, k),
    ):
        a, b = build(1), build(250)
        assert a.layout.xaxis.range == b.layout.xaxis.range
        assert a.layout.yaxis.range == b.layout.yaxis.range


def test_theoretical_rate_is_plain_gd_worst_direction(ex):
    fig = figures.loss_figure(ex, 10)
    theory = fig.data[0]
    lam = np.linalg.eigvalsh(ex.problem.G)
    rate = np.max((1 - 2 * ex.settings.learning_rate * lam) ** 2)
    x, y = np.asarray(theory.x), np.asarray(theory.y)
    np.testing.assert_allclose(y, y[0] * rate**x, rtol=1e-9)
    # it bounds plain GD's excess loss from above
    excess = ex.problem.excess_loss(ex.trajectory.params)
    assert np.all(excess[x.astype(int)] <= y * (1 + 1e-9))


def test_a_schedules_bound_runs_as_far_as_the_schedule_when_a_compared_run_outlasts_the_main_one():
    """A cosine schedule past the limit diverges at step 6 while the plain run it is compared with
    goes on to 1,000: the bound (plain GD at the schedule's rates) was indexed past the main run's
    own updates and the page showed an IndexError. It is the schedule's own product of worst
    factors, computed here by hand, as far as the schedule goes."""
    s = Settings(schedule="cosine", learning_rate=5.0)
    ex = experiment(s, compare=(Settings(learning_rate=0.01),))
    assert ex.trajectory.diverged_at is not None and ex.others[0].trajectory.steps == s.steps
    bound = figures.loss_figure(ex, 0).data[0]
    assert bound.name == "plain GD bound"
    lam = np.linalg.eigvalsh(ex.problem.G)
    t = np.arange(s.steps)
    rates = s.learning_rate * 0.5 * (1 + np.cos(np.pi * t / s.steps))  # cosine from eta to 0
    worst = np.max((1 - 2 * rates[:, None] * lam[None, :]) ** 2, axis=1)
    with np.errstate(over="ignore"):  # past 1e308 early on: the chart leaves those out
        product = np.concatenate([[1.0], np.cumprod(worst)])
    x, y = np.asarray(bound.x), np.asarray(bound.y)
    start = max(ex.problem.excess_loss(ex.trajectory.params[:1])[0], ex.problem.excess_floor())
    assert x.size > 0 and x.max() > ex.trajectory.steps  # past the main run's divergence
    np.testing.assert_allclose(y, start * product[x], rtol=1e-9)


def test_fit_for_one_feature_draws_the_line():
    one = experiment(Settings(true_weights=(3.0,), bias=-1.0, samples=50, steps=20))
    fig = figures.fit_figure(one, 20)
    line = fig.data[1]
    w, b = one.trajectory.params[20]
    np.testing.assert_allclose(line.y, np.asarray(line.x) * w + b)
    assert len(fig.data[0].x) == 50


def test_figures_stay_small_and_finite():
    big = experiment(Settings(true_weights=tuple(range(1, 21)), samples=20_000, steps=20_000))
    T = big.trajectory.steps
    total = 0
    for fig in (
        figures.contour_figure(big, 0, 1, T // 2),
        figures.convergence_figure(big, T // 2),
        figures.loss_figure(big, T // 2),
        figures.fit_figure(big, T // 2),
    ):
        text = pio.to_json(fig, validate=False)
        assert "NaN" not in text and "Infinity" not in text
        total += len(text)
    assert total < 400_000  # per-step charts are re-sent on every Step
    surface = pio.to_json(figures.surface_figure(big, 19, 18), validate=False)
    assert len(surface) < 1_500_000
    json.loads(surface)


def test_diverged_run_draws_only_finite_values():
    bad = experiment(Settings(learning_rate=3.0))
    assert bad.trajectory.diverged_at is not None
    k = bad.trajectory.steps
    for fig in (
        figures.surface_figure(bad, 4, 3),
        figures.contour_figure(bad, 4, 3, k),
        figures.convergence_figure(bad, k),
        figures.loss_figure(bad, k),
        figures.fit_figure(bad, k),
    ):
        text = pio.to_json(fig, validate=False)
        assert "NaN" not in text and "Infinity" not in text


def test_user_text_is_escaped_in_labels():
    assert label("<b>x</b> & y") == "&lt;b&gt;x&lt;/b&gt; &amp; y"


@pytest.mark.parametrize("T", [0, 1, 5, 59, 60, 61, 1000, 20_000])
def test_milestones_start_at_zero_end_at_T_and_take_every_early_step(T):
    m = figures.milestones(T, 60)
    assert m[0] == 0 and m[-1] == T
    assert np.all(np.diff(m) > 0) and len(m) <= 61
    assert list(m[: min(T + 1, 10)]) == list(range(min(T + 1, 10)))


@pytest.mark.parametrize(
    "settings",
    [
        Settings(samples=300, steps=200),
        Settings(true_weights=(1.5,), samples=30, steps=10),
        Settings(learning_rate=3.0, samples=100),
    ],
)
def test_every_figure_passes_plotlys_full_validation(settings):
    # Figures are built without plotly's per-property checks (figures.figure); validate them here.
    import plotly.graph_objects as go

    ex = experiment(settings)
    k = ex.trajectory.steps // 2
    j = 1 if ex.d > 1 else ex.d
    for fig in (
        figures.surface_figure(ex, 0, j),
        figures.contour_figure(ex, 0, j, k),
        figures.convergence_figure(ex, k),
        figures.loss_figure(ex, k),
        figures.fit_figure(ex, k),
    ):
        go.Figure(fig.to_dict())  # raises ValueError on any invalid property


def test_csv_names_cannot_form_html_in_any_label():
    from gd.data import load_csv

    rows = "\n".join(f"{i},{(i * 7) % 5},{2 * i + 1}" for i in range(30))
    data = load_csv(('"<b>bold</b>","<img src=x onerror=alert(1)>",y\n' + rows).encode())
    ex = experiment(Settings(steps=20), data)
    figs = (
        figures.surface_figure(ex, 0, 1),
        figures.contour_figure(ex, 0, 1, 5),
        figures.convergence_figure(ex, 5),
        figures.loss_figure(ex, 5),
        figures.fit_figure(ex, 5),
    )
    text = " ".join(s for fig in figs for s in strings(fig.to_dict()))  # to_json escapes "<"
    assert "bold" in text and "<b>" not in text and "<img" not in text
    assert figures.surface_figure(ex, 0, 1).layout.scene.xaxis.title.text == "\uff1cb\uff1ebold\uff1c/b\uff1e"


def strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from strings(value)


# ---- many runs: told apart by colour and dash, legends outside the plots ----------------------------


def test_twelve_runs_each_have_their_own_colour_and_dash_on_every_chart():
    main = Settings(samples=200, steps=30)
    optimizers = ["gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"]
    ex = experiment(main, compare=tuple(variants(main, optimizers, [0.01, 0.05], [])))
    labels = [label(run.label) for run in runs(ex)]
    assert len(labels) == 12
    styles = {}  # run label -> its (colour, dash) on each chart
    for name, fig in {
        "surface": figures.surface_figure(ex, 4, 3),
        "contour": figures.contour_figure(ex, 4, 3, 10),
        "convergence": figures.convergence_figure(ex, 10),
        "loss": figures.loss_figure(ex, 10),
    }.items():
        for t in fig.data:
            if t.name in labels and t.type != "surface":
                styles.setdefault(t.name, set()).add((name, t.line.color, t.line.dash))
        assert fig.layout.legend.yref == "container" and fig.layout.legend.y == 0, name  # below the plot
    assert sorted(styles) == sorted(labels)
    pairs = {}
    for run, seen in styles.items():
        (pair,) = {(colour, dash) for _, colour, dash in seen}  # one style a run, on every chart
        pairs[run] = pair
    assert len(set(pairs.values())) == 12  # no pair reused
    assert len({colour for colour, _ in pairs.values()}) == 12  # nor a colour, up to 12 runs


def test_run_styles_never_repeat_a_pair_within_72_runs():
    pairs = [(s["color"], s["dash"]) for s in map(run_style, range(len(RUN_COLOURS) * len(DASHES)))]
    assert len(set(pairs)) == len(pairs) == 72
    assert (
        "#F0E442" not in RUN_COLOURS and "#000000" not in RUN_COLOURS
    )  # faint yellow; the references' black


def test_arrow_legend_entries_draw_no_marker(ex):
    fig = figures.contour_figure(ex, 4, 3, 10)
    for arrow in (t for t in fig.data if t.meta and t.meta["gd"] == "arrow"):
        # Plotly's legend draws a trace's first symbol: an open line symbol of no width is nothing
        assert arrow.marker.symbol[0] == "line-ew" and arrow.marker.line.width == 0
        assert arrow.marker.symbol[1] == "arrow"


@pytest.mark.parametrize("presenter", [False, True])
def test_the_run_is_drawn_over_the_runs_it_is_compared_with_and_named_first(presenter):
    # issue 20, 3: at a rate too small, the run creeps along the path of the article's rate drawn
    # beside it, which hid it (Plotly draws traces in order, the last on top)
    main = Settings(learning_rate=0.0005, steps=200)
    ex = experiment(main, compare=tuple(variants(main, ["gd", "momentum"], [0.01], [])))
    fig = figures.contour_figure(ex, 4, 3, 100, presenter)
    paths = [(n, t) for n, t in enumerate(fig.data) if t.meta and t.meta["gd"] == "path"]
    assert sorted(t.meta["run"] for _, t in paths) == [0, 1, 2]
    on_top = max(paths, key=lambda p: p[0])[1]
    assert on_top.meta["run"] == 0
    np.testing.assert_array_equal(on_top.x[-1], ex.trajectory.params[100, 4])
    # the legend lists the runs in their own order, before everything else
    rank = {
        t.name: t.legendrank if t.legendrank is not None else 1000
        for t in fig.data
        if t.showlegend is not False
    }
    listed = sorted(rank, key=lambda name: (rank[name], [t.name for t in fig.data].index(name)))
    assert listed[:3] == [label(r.label) for r in runs(ex)]


@pytest.mark.parametrize("k", [0, 3, 7])
def test_the_gradient_arrow_steps_at_the_updates_own_rate_under_a_schedule(k):
    """Plain gd's update is exactly -eta_k grad L: under a schedule the two arrows coincide (the
    gradient arrow at the base rate would be 1/0.5**k times the update)."""
    from gd.figures.charts import arrow_names, update_arrows

    ex = experiment(Settings(steps=10, schedule="exponential", gamma=0.5))
    (tip_g, tip_u), factor = update_arrows(ex, 0, 1, k, (1.0, 1.0))
    P = ex.trajectory.params
    step = P[k + 1, [0, 1]] - P[k, [0, 1]]
    np.testing.assert_allclose(tip_u - P[k, [0, 1]], factor * step, rtol=1e-12)
    np.testing.assert_allclose(tip_g, tip_u, rtol=1e-12, atol=1e-15)
    expected = -0.01 * 0.5**k * ex.problem.gradient(P[k])[[0, 1]]
    np.testing.assert_allclose((tip_g - P[k, [0, 1]]) / factor, expected, rtol=1e-12)
    assert arrow_names(ex)[0] == "−ηₖ∇L" and arrow_names(experiment(Settings(steps=10)))[0] == "−η∇L"


def test_the_charts_grey_notes_grow_together_in_presenter_mode():
    # the parameter chart's note and the eigen view's: one size on the page, one on the stage
    ex = experiment(Settings(steps=30))
    for presenter, size in ((False, 12), (True, 16)):
        charts = (figures.convergence_figure(ex, 10, presenter), figures.eigen_figure(ex, 10, presenter))
        notes = [
            a
            for fig in charts
            for a in fig.layout.annotations
            if a.xref == "paper" and a.font.color == "#6b7280"
        ]
        assert len(notes) == 2 and {a.font.size for a in notes} == {size}
