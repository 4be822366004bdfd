"""gd.registry: each optimizer's entry, and everything derived from it (inputs, URL keys, CLI flags,
limits, labels, formulas). torch.optim's documented defaults are written out here, not read back."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from gd import explain, optimizers, registry, share
from gd.__main__ import main, parser
from gd.data import make_regression
from gd.inputs import (
    FIELD_NAMES,
    OPTIMIZER_LABELS,
    OPTIMIZERS,
    RANGES,
    RULES,
    InputError,
    Settings,
    widget_bounds,
)
from gd.problem import Problem
from gd.run import experiment, run, run_label

# torch.optim's documented defaults (SGD's momentum is the app's 0.9: torch's 0 is plain SGD).
TORCH = {
    "gd": {},
    "sgd": {},
    "momentum": {"momentum": 0.9},
    "nesterov": {"momentum": 0.9},
    "adagrad": {"eps": 1e-10},
    "rmsprop": {"alpha": 0.99, "eps": 1e-8},
    "adam": {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
    "linesearch": {},
    "newton": {"damping": 1.0},  # a full Newton step
    "cg": {},
}


def test_every_optimizer_has_torchs_defaults_and_a_label():
    assert OPTIMIZERS == (
        "gd",
        "sgd",
        "momentum",
        "nesterov",
        "adagrad",
        "rmsprop",
        "adam",
        "linesearch",
        "newton",
        "cg",
    )
    for name, entry in registry.OPTIMIZERS.items():
        assert entry.defaults == TORCH[name], name
        assert entry.name == name and OPTIMIZER_LABELS[name] == entry.label != ""
    assert [n for n, e in registry.OPTIMIZERS.items() if e.minibatch] == ["sgd"]
    no_limit = ["adagrad", "rmsprop", "adam", "linesearch", "newton", "cg"]
    assert [n for n, e in registry.OPTIMIZERS.items() if e.limit is None] == no_limit
    assert [n for n, e in registry.OPTIMIZERS.items() if not e.rate] == ["linesearch", "newton", "cg"]
    # the capabilities the other modules ask instead of names (tests/test_registry_names.py)
    assert [n for n, e in registry.OPTIMIZERS.items() if e.picks_rate] == ["linesearch"]
    assert [n for n, e in registry.OPTIMIZERS.items() if e.second_order] == ["newton"]
    assert [n for n, e in registry.OPTIMIZERS.items() if e.finite] == ["cg"]
    positive = [(n, h.name) for n, e in registry.OPTIMIZERS.items() for h in e.hypers if h.positive]
    assert positive == [("nesterov", "momentum")]  # torch's SGD: nesterov requires a momentum
    assert [n for n, sch in registry.SCHEDULES.items() if sch.constant] == ["constant"]
    assert [n for n, sch in registry.SCHEDULES.items() if sch.horizon] == ["cosine"]  # T_max = steps


def test_each_hyper_parameter_is_an_ordinary_input_with_torchs_default():
    s = Settings()
    assert (s.momentum, s.eps, s.alpha, s.beta1, s.beta2) == (0.9, None, 0.99, 0.9, 0.999)
    for name in ("momentum", "eps", "alpha", "beta1", "beta2"):
        assert name in FIELD_NAMES and name in share.SHARED and name in share.PARSERS
        assert RANGES[name].flag == f"--{name}"
    # eps None is each optimizer's own default
    assert Settings(optimizer="adagrad").hyper == {"eps": 1e-10}
    assert Settings(optimizer="adam").hyper == {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
    assert Settings(optimizer="rmsprop", eps=0.5, alpha=0.25).hyper == {"alpha": 0.25, "eps": 0.5}
    assert Settings(optimizer="gd", eps=0.5).hyper == {}


def test_the_schedules_inputs_and_the_defaults_left_to_each_entry_come_from_the_tables():
    """gamma and step_size are inputs because a schedule takes them; None is allowed exactly for
    the inputs whose default differs between entries (eps: 1e-10 adagrad, 1e-8 rmsprop and adam;
    gamma: 0.5 step, 0.99 exponential, 0.1 inverse), and means that entry's own."""
    taken = {h.name: h.range for sch in registry.SCHEDULES.values() for h in sch.params}
    assert taken == registry.SCHEDULE_RANGES == {"gamma": registry.GAMMA, "step_size": registry.STEP_SIZE}
    assert set(registry.OWN_DEFAULT) == {"eps", "gamma"}
    for name in ("eps", "gamma"):
        assert getattr(Settings(**{name: None}).validated(), name) is None
    for name in ("momentum", "alpha", "step_size", "damping"):
        with pytest.raises(InputError):
            Settings(**{name: None}).validated()
    assert Settings(schedule="exponential").schedule_params == {"gamma": 0.99}
    assert Settings(schedule="step").schedule_params == {"gamma": 0.5, "step_size": 100}


def test_settings_are_keyword_only():
    with pytest.raises(TypeError):
        Settings((1.0,), 2.0)  # a new field can never shift a value silently


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"beta1": 1.0}, "beta1 must be at least 0 and below 1, got 1"),
        ({"beta2": -0.1}, "beta2 must be at least 0 and below 1, got -0.1"),
        ({"alpha": 1.0}, "alpha must be at least 0 and below 1, got 1"),
        ({"eps": -1e-9}, "eps must be at least 0 and at most 1, got -1e-09"),
        ({"eps": math.nan}, "eps must be a finite number, got nan"),
        ({"momentum": 1.0}, "momentum must be at least 0 and at most 0.9999, got 1"),
    ],
)
def test_a_bad_hyper_parameter_is_named_with_its_value(changes, message):
    with pytest.raises(InputError) as err:
        Settings(**changes).validated()
    assert str(err.value) == message
    owner = {"beta1": "adam", "beta2": "adam", "eps": "adam", "alpha": "rmsprop", "momentum": "momentum"}
    with pytest.raises(InputError) as err:  # the factory checks them too
        registry.make(owner[next(iter(changes))], 0.1, **changes)
    assert str(err.value) == message


def test_the_hyper_parameters_at_their_bounds_are_allowed():
    top = math.nextafter(1.0, 0.0)
    s = Settings(optimizer="adam", beta1=top, beta2=0.0, eps=0.0, alpha=top, momentum=0.9999).validated()
    assert (s.beta1, s.beta2, s.eps, s.alpha, s.momentum) == (top, 0.0, 0.0, top, 0.9999)
    assert widget_bounds("beta1") == {"min_value": 0.0, "max_value": top, "step": 0.01}
    assert widget_bounds("momentum")["max_value"] == 0.9999
    assert widget_bounds("samples") == {"min_value": 1, "max_value": 1_000_000, "step": 1000}


def test_unknown_optimizer_is_an_input_error_naming_it():
    with pytest.raises(InputError, match="unknown optimizer 'lbfgs'; one of gd, sgd"):
        registry.make("lbfgs", 0.1)
    with pytest.raises(InputError, match="optimizer must be one of gd, sgd"):
        Settings(optimizer="lbfgs").validated()


# ---- the hyper-parameters reach the run ---------------------------------------------------------


def test_an_experiments_hyper_parameters_are_the_optimizers():
    data = make_regression((1.0, -2.0), 0.5, 100, 0.3, 4)
    pb = Problem.from_data(data.X, data.y)
    cases = [
        (Settings(optimizer="adam", beta1=0.5, beta2=0.75, eps=1e-3), optimizers.adam(0.01, 0.5, 0.75, 1e-3)),
        (Settings(optimizer="rmsprop", alpha=0.5, eps=0.1), optimizers.rmsprop(0.01, 0.5, 0.1)),
        (Settings(optimizer="adagrad", eps=0.5), optimizers.adagrad(0.01, 0.5)),
        (Settings(optimizer="adagrad"), optimizers.adagrad(0.01, 1e-10)),
        (Settings(optimizer="nesterov", momentum=0.3), optimizers.momentum(0.01, 0.3, nesterov=True)),
    ]
    for settings, opt in cases:
        ex = experiment(replace(settings, steps=30), data)
        np.testing.assert_array_equal(ex.trajectory.params, run(pb, opt, 30).params)
    default = experiment(Settings(optimizer="adam", steps=30), data).trajectory.params
    other = experiment(Settings(optimizer="adam", steps=30, beta1=0.5), data).trajectory.params
    assert np.abs(default - other).max() > 1e-4


# ---- formulas, labels and limits ----------------------------------------------------------------


@pytest.mark.parametrize(
    "settings, parts",
    [
        (Settings(optimizer="rmsprop"), [r"v_{t+1} = 0.99\, v_t + 0.01\, g_t^2", r"1 \times 10^{-8}}"]),
        (Settings(optimizer="rmsprop", alpha=0.9, eps=0.5), [r"= 0.9\, v_t + 0.1\, g_t^2", r"+ 0.5}"]),
        (Settings(optimizer="adagrad"), [r"s_{t+1} = s_t + g_t^2", r"1 \times 10^{-10}}"]),
        (
            Settings(optimizer="adam"),
            [r"m_{t} = 0.9\, m_{t-1} + 0.1\, g_t", r"v_t = 0.999\, v_{t-1} + 0.001\, g_t^2", "(1 - 0.9^t)"],
        ),
        (Settings(optimizer="adam", beta1=0.5), [r"m_{t} = 0.5\, m_{t-1} + 0.5\, g_t", "(1 - 0.5^t)"]),
        (Settings(optimizer="momentum", momentum=0.8), [r"v_{t+1} = 0.8\, v_t + g_t"]),
        (Settings(optimizer="nesterov"), [r"(g_t + 0.9\, v_{t+1})"]),
        (Settings(optimizer="gd"), [r"\theta_{t+1} = \theta_t - \eta\, g_t"]),
    ],
)
def test_each_formula_shows_the_runs_hyper_parameters(settings, parts):
    formula = explain.rule(settings)
    for part in parts:
        assert part in formula, (part, formula)


def test_run_labels_name_what_differs_from_torchs_defaults():
    assert run_label(Settings(optimizer="adam")) == "adam (η=0.01)"
    assert run_label(Settings(optimizer="adam", beta1=0.5), False) == "adam (β1=0.5)"
    assert run_label(Settings(optimizer="rmsprop", eps=1e-8), False) == "rmsprop"  # its default
    assert run_label(Settings(optimizer="adagrad", eps=1e-8), False) == "adagrad (ε=1e-08)"
    assert run_label(Settings(optimizer="momentum"), False) == "momentum (μ=0.9)"  # always named
    assert run_label(Settings(optimizer="sgd", batch_size=8), False) == "sgd (B=8)"


def test_stability_limits_come_from_the_entries():
    data = make_regression((1.0, -2.0), 0.5, 100, 0.3, 4)
    pb = Problem.from_data(data.X, data.y)
    lam = pb.lambda_max
    assert pb.stability_limit("gd") == 1 / lam and pb.stability_limit("sgd") == 1 / lam
    assert pb.stability_limit("momentum", momentum=0.5) == 1.5 / lam
    assert pb.stability_limit("nesterov", momentum=0.5) == 1.5 / (2.0 * lam)
    assert pb.stability_limit("nesterov") == pytest.approx(1.9 / (2.8 * lam), rel=1e-15)  # mu 0.9
    assert pb.stability_limit("adam", beta1=0.5) is None


# ---- the command line and the share link read the same table ------------------------------------


def test_the_cli_has_a_flag_with_help_and_bounds_for_every_input():
    text = parser().format_help()
    for name, rng in RANGES.items():
        assert rng.flag in text, name
    assert "below 1" in text and "1e-10 for adagrad" in text
    for name in OPTIMIZERS:
        assert f"{name}, {OPTIMIZER_LABELS[name]}" in " ".join(text.split())


def test_the_cli_passes_hyper_parameters_and_names_a_bad_one(capsys, tmp_path):
    out = tmp_path / "run.csv"
    args = ["--optimizer", "adam", "--beta1", "0.5", "--eps", "0.001", "--samples", "50", "--steps", "5"]
    assert main([*args, "--csv", str(out), "--quiet"]) == 0
    ex = experiment(Settings(optimizer="adam", beta1=0.5, eps=0.001, samples=50, steps=5))
    last = [float(v) for v in out.read_text().splitlines()[-1].split(",")]
    assert last[2:] == list(ex.trajectory.params[-1])
    assert main(["--optimizer", "adam", "--beta1", "1", "--steps", "2"]) == 2
    assert capsys.readouterr().err == "error: argument --beta1: must be at least 0 and below 1, got 1\n"


def test_share_links_carry_the_hyper_parameters():
    values = {"optimizer": "adam", "beta1": 0.5, "beta2": 0.75, "eps": 1e-12}
    query = share.to_query(values)
    assert query == {"optimizer": "adam", "beta1": "0.5", "beta2": "0.75", "eps": "1e-12"}
    back, warnings = share.from_query(query)
    assert warnings == [] and back == values
    back, warnings = share.from_query({"beta1": "1"})
    assert back == {} and warnings == [
        "Ignored the URL parameter beta1='1': beta1 must be at least 0 and below 1, got 1. Using the default."
    ]


def test_each_cross_field_rule_names_the_fields_a_link_drops():
    fields = {f for rule in RULES for f in rule.fields}
    assert fields <= set(FIELD_NAMES)
    values, warnings = share.from_query({"optimizer": "nesterov", "momentum": "0"})
    assert values == {"optimizer": "nesterov"}
    assert warnings == [
        "Ignored the URL parameter momentum='0': nesterov needs a momentum above 0 (try 0.9). "
        "Using the default."
    ]
    values, warnings = share.from_query({"standardize": "true", "samples": "1"})
    assert values == {"samples": 1} and len(warnings) == 1 and "single row" in warnings[0]


def bounds_table() -> str:
    """The numeric inputs' bounds as a Markdown table, as docs/guide.md holds it."""
    lines = ["| input | URL key / widget | CLI flag | allowed |", "|---|---|---|---|"]
    for name, rng in RANGES.items():
        kind = " (whole number)" if rng.integer else ""
        lines.append(f"| {rng.label} | `{name}` | `{rng.flag}` | {rng.bottom} and {rng.top}{kind} |")
    return "\n".join(lines)


def test_the_guides_table_of_bounds_is_the_inputs_table():
    guide = (Path(__file__).resolve().parents[1] / "docs" / "guide.md").read_text()
    assert bounds_table() in guide


def test_the_docs_registry_entry_is_the_code():
    root = Path(__file__).resolve().parents[1]
    page = (root / "docs" / "adding-an-optimizer.md").read_text()
    excerpt = page.split("```python\nEntry(\n", 1)[1].split("```", 1)[0]
    source = (root / "gd" / "registry.py").read_text()
    body = excerpt.removesuffix(")\n")  # in the table the entry ends "),"
    indented = "".join("    " + line for line in body.splitlines(keepends=True))
    assert "    Entry(\n" + indented + "    ),\n" in source
