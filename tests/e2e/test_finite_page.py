"""Runs that once drew a traceback, a blank surface or Infinity on the page, in a real browser:
each one drawn, finite, with its message where it has one (tests/test_finite.py holds the engine's
side of each)."""

from __future__ import annotations

import pytest
from test_smoke import no_trouble

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture then skips, or fails under GD_REQUIRE_BROWSER=1
    expect = None


@pytest.mark.parametrize(
    "query",
    [
        "optimizer=adam&eps=0&true_weights=0&bias=0",
        "optimizer=adagrad&eps=0&true_weights=0&bias=0&presenter=true",
    ],
    ids=["adam", "adagrad-presenter"],
)
def test_a_run_stopped_at_step_one_draws_its_iteration_zero_and_says_why(open_app, console_errors, query):
    page = open_app(query)  # waits for the panel to be ready
    expect(page.get_by_test_id("gd-iteration")).to_have_text("0")
    expect(page.get_by_text("use eps > 0")).to_have_count(1)
    no_trouble(page, console_errors)
