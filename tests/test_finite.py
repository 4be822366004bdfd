"""Hostile runs that once drew a traceback, inf or NaN: every one a correct result or a message.

1: an adaptive optimizer with eps = 0 whose first update divides 0 by 0 stops at step 1 (the run
keeps its iteration 0) and says that eps above 0 is what helps.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from test_hostile import page
from test_live import panel, run_rows

from gd import explain, live
from gd.__main__ import divergence_message
from gd.inputs import Settings
from gd.run import experiment

ROOT = Path(__file__).resolve().parents[1]


def gd_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gd", *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


# ---- 1: eps = 0 and a zero gradient: 0/0 at the first update ----------------------------------------

ZERO_EPS = ("adagrad", "rmsprop", "adam")


@pytest.mark.parametrize("optimizer", ZERO_EPS)
def test_eps_zero_on_a_zero_gradient_keeps_iteration_zero_and_sends_a_panel(optimizer):
    # y = 0 and theta_0 = 0: g = 0 and the running average of g^2 is 0, so the first update is
    # 0 / (sqrt(0) + 0) = NaN, as torch.optim computes it; the run stops there with its start
    ex = experiment(Settings(optimizer=optimizer, eps=0.0, true_weights=(0.0,), bias=0.0))
    assert ex.trajectory.diverged_at == 1 and ex.trajectory.steps == 0
    data = live.decode(live.payload(ex, 0, 1))
    at, rows = run_rows(data)
    assert data["T"] == 0 and at.tolist() == [0]
    np.testing.assert_array_equal(rows["P"], [[0.0, 0.0]])
    assert np.isnan(rows["rate"]).all()  # no update was made: no rate to show (the browser shows none)
    assert {"surface", "contour", "loss", "eigen"} <= set(data["figures"])


@pytest.mark.parametrize("optimizer", ZERO_EPS)
def test_eps_zero_advice_is_eps_not_the_learning_rate(optimizer):
    ex = experiment(Settings(optimizer=optimizer, eps=0.0, true_weights=(0.0,), bias=0.0))
    assert explain.zero_eps(ex)
    assert "set eps above 0" in explain.divergence_advice(ex)
    assert "Lower the learning rate" not in explain.divergence_advice(ex)
    message = divergence_message(ex)
    assert "set eps above 0" in message and "smaller learning rate" not in message
    # eps = 0 with a gradient that is nowhere zero runs (torch allows it, and so do we)
    fine = experiment(Settings(optimizer=optimizer, eps=0.0, steps=20))
    assert fine.trajectory.diverged_at is None and not explain.zero_eps(fine)


def test_eps_zero_through_the_command_line_is_exit_3_and_one_line():
    result = gd_cli("--quiet", "--optimizer", "adam", "--eps", "0", "--weights", "0", "--bias", "0")
    assert result.returncode == 3
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: the run diverged at step 1"), result.stderr
    assert "set eps above 0" in lines[0] and "Warning" not in result.stderr


@pytest.mark.parametrize(
    "query",
    [
        {"optimizer": "adam", "eps": "0", "true_weights": "0", "bias": "0"},
        {"optimizer": "adagrad", "eps": "0", "true_weights": "0", "bias": "0", "presenter": "true"},
    ],
    ids=["adam", "adagrad presenter"],
)
def test_eps_zero_on_the_page_is_a_message_and_a_panel_not_a_traceback(query):
    at = page(**query)  # asserts no exception
    errors = [e.value for e in at.error]
    assert any(
        "diverged at step 1" in e and "no longer finite" in e and "eps above 0" in e for e in errors
    ), errors
    data = panel(at)["payload"]
    assert data["T"] == 0
