"""Shared references for the engine's tests: the article's own loop, written as the article wrote it.

The fixture `article_loop` is the independent reference the trajectory tests hold the engine to: plain Python
over (x, y) pairs, no G, no c, no vectorisation, so it shares no code path with gd.problem/gd.run.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
from streamlit.components.v2 import manifest_scanner

from gd.data import make_regression

# Every AppTest scans the metadata of every installed package for packaged components (about 1 s
# a page here); this app has none, and the packages do not change during a test run: scan once.
manifest_scanner.scan_component_manifests = functools.cache(manifest_scanner.scan_component_manifests)

ARTICLE_WEIGHTS = (2.0, 4.0, 5.0, 9.0, 11.0)
ARTICLE_BIAS = 2.0


def _article_loop(X, y, eta: float, steps: int):
    """The article's l, df and loop verbatim over the pairs (X[i], y[i]).

    Returns (w, b, loss) with w (steps, d) and b (steps,) AFTER update i + 1 and loss (steps,) the
    loss BEFORE it: exactly what the article prints on line i.
    """
    data = list(zip(X, y, strict=True))

    def l(w, b):  # noqa: E743 - the article's name
        return sum((w.dot(x) + b - y) ** 2 for x, y in data) / len(data)

    def df(w, b):
        return (
            sum(2 * (w.dot(x) + b - y) * x for x, y in data) / len(data),
            sum(2 * (w.dot(x) + b - y) * 1 for x, y in data) / len(data),
        )

    w = np.zeros(X.shape[1])
    b = 0
    ws, bs, losses = [], [], []
    for _ in range(steps):
        loss = l(w, b)
        gradientw, gradientb = df(w, b)
        w = w - eta * gradientw
        b = b - eta * gradientb
        ws.append(w)
        bs.append(float(b))
        losses.append(float(loss))
    return np.array(ws), np.array(bs), np.array(losses)


def _literal_loss_atol(X, y, w, b, loss) -> np.ndarray:
    """How far the literal loop's printed loss can be from the exact one, per step.

    Each residual w.x + b - y is a sum of d + 2 terms, so it carries an absolute round-off of about
    (d + 2) eps max_i(|w| |x_i| + |b| + |y_i|) =: delta; the mean of squares then errs by at most
    2 sqrt(L) delta + delta^2. Near the optimum that floor dwarfs rtol * L, so it is the honest
    absolute tolerance there (a factor 4 of margin for the summation itself).
    """
    eps = np.finfo(float).eps
    scale = np.abs(X) @ np.abs(w).max(axis=0) + np.abs(b).max() + np.abs(y)
    delta = (X.shape[1] + 2) * eps * scale.max()
    return 4 * (2 * np.sqrt(loss) * delta + delta**2)


@pytest.fixture(scope="session")
def article_loop():
    return _article_loop


@pytest.fixture(scope="session")
def literal_loss_atol():
    return _literal_loss_atol


@pytest.fixture(scope="session")
def small_article_run():
    """The article's experiment at n = 200 for 500 steps: data and the literal loop's output."""
    n, eta, steps = 200, 0.01, 500
    data = make_regression(ARTICLE_WEIGHTS, ARTICLE_BIAS, n, 0.0, 0)
    w, b, loss = _article_loop(data.X, data.y, eta, steps)
    atol = _literal_loss_atol(data.X, data.y, w, b, loss)
    return {"n": n, "eta": eta, "steps": steps, "data": data, "w": w, "b": b, "loss": loss, "loss_atol": atol}
