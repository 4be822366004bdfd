"""gd.export: the trajectory CSV reads back, with the csv module, as the identical float64 values."""

from __future__ import annotations

import csv
import io
import struct

import numpy as np

from gd.data import load_csv
from gd.export import header, trajectory_csv
from gd.inputs import Settings
from gd.run import Trajectory, experiment


def read_back(text: str):
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return rows[0], rows[1:]


def test_header_is_step_loss_w1_to_wd_and_b_whatever_the_feature_names():
    data = load_csv(b"age,income,b,y\n30,2,1,5\n40,3,0,7\n50,1,2,4\n")
    ex = experiment(Settings(steps=3), data)
    assert ex.names == ("age", "income", "b", "intercept")  # the page's names ...
    text = trajectory_csv(ex.trajectory, ex.d)
    assert text.splitlines()[0] == "step,loss,w1,w2,w3,b"  # ... but the file's are fixed
    assert header(1) == "step,loss,w1,b"


def test_rows_0_to_t_and_every_value_reads_back_identically():
    ex = experiment(
        Settings(
            true_weights=(1.5, -2.0), bias=0.25, samples=300, noise=0.1, seed=5, learning_rate=0.05, steps=40
        )
    )
    tr = ex.trajectory
    names, rows = read_back(trajectory_csv(tr, 2))
    assert names == ["step", "loss", "w1", "w2", "b"]
    assert len(rows) == tr.steps + 1 == 41
    assert [int(r[0]) for r in rows] == list(range(41))
    assert all(len(r) == 5 for r in rows)
    for k, row in enumerate(rows):
        assert float(row[1]) == tr.loss[k]
        assert [float(v) for v in row[2:]] == tr.params[k].tolist()


def test_awkward_floats_survive_exactly():
    # random bit patterns: every exponent, subnormals, negative zero; what %g or %.15g would round
    rng = np.random.default_rng(0)
    magnitude = rng.integers(0, 2**63, size=400, dtype=np.uint64)
    sign = rng.integers(0, 2, size=400, dtype=np.uint64) << np.uint64(63)
    values = (magnitude | sign).view(np.float64)
    values = values[np.isfinite(values)][:399]
    values = np.concatenate([values, [-0.0, 5e-324, 1.7976931348623157e308, 0.1, 1 / 3, 2.0**-1074 * 3]])
    values = values[: (len(values) // 4) * 4].reshape(-1, 4)  # rows of loss, w1, w2, b
    tr = Trajectory(params=values[:, 1:], loss=values[:, 0], grad_norm=np.zeros(len(values)))
    _, rows = read_back(trajectory_csv(tr, 2))
    assert len(rows) == len(values)
    for row, expected in zip(rows, values, strict=True):
        got = np.array([float(v) for v in row[1:]])
        # identical bits, so -0.0 stays negative and nothing is rounded
        assert [struct.pack("<d", v) for v in got] == [struct.pack("<d", v) for v in expected]


def test_a_diverged_run_exports_its_finite_rows():
    ex = experiment(Settings(samples=100, learning_rate=3.0, steps=500))
    tr = ex.trajectory
    assert tr.diverged_at is not None
    _, rows = read_back(trajectory_csv(tr, ex.d))
    assert len(rows) == tr.steps + 1
    assert all(np.isfinite(float(v)) for row in rows for v in row)


# ---- the animated surface as a page -------------------------------------------------------------


def test_the_html_export_has_a_title_the_settings_and_an_iteration_readout():
    import html as html_lib
    import json
    import re

    from gd.export import surface_html
    from gd.figures import surface_figure
    from gd.inputs import Settings
    from gd.run import experiment

    ex = experiment(Settings(learning_rate=0.05, steps=120, noise=0.5, seed=3))
    page = surface_html(ex, 4, 3)
    title = re.search(r"<title>(.*?)</title>", page).group(1)
    assert html_lib.unescape(title) == "Gradient descent, step by step: gd, η = 0.05"
    text = html_lib.unescape(page)
    assert "true weights 2, 4, 5, 9, 11, bias 2, 5,000 samples, noise 0.5, seed 3" in text
    assert "learning rate 0.05, 120 steps" in text and f"stability limit {ex.limit:.4g}" in text
    assert "over x5 and x4" in text or "over w5 and w4" in text
    # the figure's title reads the iteration and its loss, frame by frame
    fig = surface_figure(ex, 4, 3, animated=True)  # the figure the page embeds
    # read the title back from the page's JSON: plotly writes "·" as itself with orjson and as
    # \u00b7 with the standard library's json, and either is the same string once decoded
    shown = re.search(r'"(iteration 0 of 120 [^"]*)"', page)
    assert shown is not None and json.loads(f'"{shown.group(1)}"') == fig.layout.title.text
    assert fig.layout.title.text == f"iteration 0 of 120 · loss {ex.trajectory.loss[0]:.6g}"
    for frame in fig.frames:
        k = int(frame.name)
        assert frame.layout.title.text == f"iteration {k:,} of 120 · loss {ex.trajectory.loss[k]:.6g}"
    assert fig.layout.sliders[0].currentvalue.font.size >= 12  # the slider's readout is legible


def test_the_html_export_escapes_a_csvs_names():
    import numpy as np

    from gd.data import load_csv
    from gd.export import surface_html
    from gd.inputs import Settings
    from gd.run import experiment

    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 2))
    y = X @ [1.0, 2.0]
    rows = "\n".join(f"{a},{b},{c}" for (a, b), c in zip(X, y, strict=True))
    data = load_csv(f"<b>x</b>,<i>z</i>,y\n{rows}\n".encode())
    page = surface_html(experiment(Settings(steps=10), data), 0, 1)
    assert "<b>x</b>" not in page.split("<div")[0] and "&lt;b&gt;x&lt;/b&gt;" in page
    assert "uploaded data: 30 rows" in page


def test_the_html_export_carries_the_plotly_js_it_is_given_before_the_figure_and_no_other():
    import re
    from pathlib import Path

    import plotly

    from gd.export import surface_html
    from gd.inputs import Settings
    from gd.run import experiment

    ex = experiment(Settings(steps=10))
    bundle = (Path(__file__).resolve().parents[1] / "static" / "plotly-gd.min.js").read_text(encoding="utf-8")
    page = surface_html(ex, 4, 3, bundle)
    assert page.count(bundle) == 1 and page.index(bundle) < page.index("Plotly.newPlot")
    package = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_text(encoding="utf-8")
    assert package[-2000:] not in page  # the package's plotly.js is not there as well
    assert len(page) < len(bundle) + 500_000
    # a script that held "</script" would end the page's script there: it is written <\/script
    odd = surface_html(ex, 4, 3, 'var s = "</script>", t = "</SCRIPT>";')
    assert 'var s = "<\\/script>", t = "<\\/SCRIPT>";' in odd
    assert odd.lower().count("</script>") == len(re.findall(r"<script", odd))
