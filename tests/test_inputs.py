"""gd.inputs: every range rejects what it must and names the bad value; weights text; Settings."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gd.inputs import (
    FIELD_NAMES,
    MAX_ABS_VALUE,
    MAX_FEATURES,
    MAX_MOMENTUM,
    MAX_SGD_SAMPLE_STEPS,
    MAX_STEPS,
    MAX_TEXT,
    OPTIMIZERS,
    RANGES,
    WEIGHT,
    InputError,
    Settings,
    check_weights,
    format_weights,
    parse_weights,
)

ALL_RANGES = [*RANGES.items(), ("weight", WEIGHT)]
IDS = [name for name, _ in ALL_RANGES]


def below(rng):
    if rng.open_min:
        return rng.minimum
    return rng.minimum - 1 if rng.integer else math.nextafter(rng.minimum, -math.inf)


def above(rng):
    if rng.open_max:
        return rng.maximum
    return rng.maximum + 1 if rng.integer else math.nextafter(rng.maximum, math.inf)


@pytest.mark.parametrize("name, rng", ALL_RANGES, ids=IDS)
def test_every_range_rejects_nan_inf_non_numbers_and_out_of_range(name, rng):
    for bad in (math.nan, math.inf, -math.inf):
        with pytest.raises(InputError, match=rf"^{rng.label} must be a finite number, got {bad}$"):
            rng.check(bad)
    for bad in ("5", None, True, [1.0], 1 + 2j):
        with pytest.raises(InputError, match=rf"^{rng.label} must be a number, got "):
            rng.check(bad)
    for bad in (below(rng), above(rng)):
        with pytest.raises(InputError, match=rf"^{rng.label} must be (at least|above) .*, got ") as err:
            rng.check(bad)
        named = float(str(err.value).rsplit("got ", 1)[1].replace(",", ""))
        assert named == pytest.approx(bad, rel=1e-5)  # names the value, to the digits shown
    for text in ("nan", "inf", " -Infinity ", "abc", "", "1,5", "0x10", "1" * 101, "2e400"):
        with pytest.raises(InputError, match=rf"^{rng.label} must be a"):
            rng.parse(text)
    with pytest.raises(InputError, match="text of 101 characters"):
        rng.parse("1" * 101)


@pytest.mark.parametrize("name, rng", ALL_RANGES, ids=IDS)
def test_every_range_accepts_its_bounds(name, rng):
    if rng.open_min:  # damping: above 0, so its smallest is the next float
        assert rng.check(rng.smallest) == rng.smallest
        assert rng.parse(f" {rng.smallest!r} ") == rng.smallest
        assert rng.check(rng.largest) == rng.largest
        return
    assert rng.check(rng.minimum) == rng.minimum
    top = rng.maximum
    if rng.open_max:
        top = rng.maximum - 1 if rng.integer else math.nextafter(rng.maximum, -math.inf)
    assert rng.check(top) == top
    assert rng.parse(f" {rng.minimum!r} ") == rng.minimum
    if rng.integer:
        assert type(rng.check(float(rng.minimum))) is int
        assert type(rng.parse("1e1" if rng.maximum >= 10 else "1")) is int
        with pytest.raises(InputError, match="must be a whole number, got 1.5"):
            rng.check(1.5)


def test_ranges_use_the_names_and_flags_the_cli_and_the_app_share():
    assert set(RANGES) <= set(FIELD_NAMES)
    assert RANGES["learning_rate"].flag == "--lr" and RANGES["batch_size"].flag == "--batch-size"
    assert RANGES["steps"].maximum == MAX_STEPS
    # momentum stays below 1 through an inclusive bound the number widget can hold too
    assert RANGES["momentum"].maximum == MAX_MOMENTUM < 1 and RANGES["momentum"].check(0.0) == 0.0


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2, 4, 5", (2.0, 4.0, 5.0)),
        ("-1,2", (-1.0, 2.0)),
        ("[1, 2]", (1.0, 2.0)),
        ("(3)", (3.0,)),
        ("  7 ", (7.0,)),
        ("1e3,-2.5e-3, 0", (1000.0, -0.0025, 0.0)),
        (",".join(["1"] * MAX_FEATURES), (1.0,) * MAX_FEATURES),
    ],
)
def test_parse_weights(text, expected):
    weights = parse_weights(text)
    assert weights == expected and all(type(w) is float for w in weights)
    assert parse_weights(format_weights(weights)) == weights


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "at least one number"),
        ("   ", "at least one number"),
        ("[]", "at least one number"),
        ("1,,2", "number 2 is empty"),
        (",", "number 1 is empty"),
        ("1,2,", "number 3 is empty"),
        (",".join(["1"] * (MAX_FEATURES + 1)), f"at most {MAX_FEATURES} numbers, got {MAX_FEATURES + 1}"),
        ("1,x", "number 2: each true weight must be a number, got 'x'"),
        ("1;2", "number 1: each true weight must be a number, got '1;2'"),
        ("1,nan", "number 2: each true weight must be a finite number, got nan"),
        ("inf", "number 1: each true weight must be a finite number, got inf"),
        (f"1,{MAX_ABS_VALUE * 10:g}", "number 2: each true weight must be at least"),
        ("1," * MAX_TEXT, f"at most {MAX_TEXT:,}"),
    ],
)
def test_parse_weights_rejects(text, message):
    with pytest.raises(InputError, match=r"^true weights: ") as err:
        parse_weights(text)
    assert message in str(err.value)


def test_check_weights_takes_numbers_or_text():
    assert check_weights([1, 2.5, np.float64(-3)]) == (1.0, 2.5, -3.0)
    assert check_weights("4, 5") == (4.0, 5.0)
    for bad in ([], [1.0] * (MAX_FEATURES + 1)):
        with pytest.raises(InputError, match=f"1 to {MAX_FEATURES} numbers, got {len(bad)}"):
            check_weights(bad)
    with pytest.raises(InputError, match="finite number, got nan"):
        check_weights([1.0, math.nan])


def test_defaults_are_the_articles_experiment():
    s = Settings()
    assert (s.true_weights, s.bias, s.samples, s.noise, s.learning_rate, s.steps, s.optimizer) == (
        (2.0, 4.0, 5.0, 9.0, 11.0),
        2.0,
        5000,
        0.0,
        0.01,
        1000,
        "gd",
    )
    assert s.validated() == s
    # the article starts at zero, at one constant rate, without a penalty
    assert (s.start, s.schedule, s.l2, s.damping) == ((), "constant", 0.0, 1.0)
    assert OPTIMIZERS[:7] == ("gd", "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
    # the names share links, widgets and tests rely on (more may follow)
    assert {
        "true_weights",
        "bias",
        "samples",
        "noise",
        "seed",
        "learning_rate",
        "steps",
        "optimizer",
        "batch_size",
        "momentum",
        "standardize",
    } <= set(FIELD_NAMES)


def test_validated_normalises_numbers():
    s = Settings(true_weights="1, 2", samples=300.0, steps=1e3, seed=7.0, standardize=1).validated()
    assert s.true_weights == (1.0, 2.0) and s.samples == 300 and s.steps == 1000 and s.seed == 7
    assert type(s.samples) is int and type(s.steps) is int and s.standardize is True
    assert s.to_dict()["samples"] == 300


@pytest.mark.parametrize(
    "changes, message",
    [
        (
            {"optimizer": "lbfgs"},
            f"optimizer must be one of {', '.join(OPTIMIZERS)}, got 'lbfgs'",  # the registry's, in order
        ),
        ({"optimizer": "GD"}, "got 'GD'"),
        ({"optimizer": "nesterov", "momentum": 0.0}, "nesterov needs a momentum above 0"),
        ({"momentum": 1.0}, "momentum must be at least 0 and at most 0.9999, got 1"),
        ({"momentum": -0.5}, "momentum must be at least 0 and at most 0.9999, got -0.5"),
        ({"learning_rate": math.nan}, "learning rate must be a finite number, got nan"),
        ({"learning_rate": 0.0}, "learning rate must be at least 1e-06"),
        ({"samples": 0}, "samples must be at least 1"),
        ({"steps": MAX_STEPS + 1}, f"got {MAX_STEPS + 1:,}"),
        ({"batch_size": 0}, "batch size must be at least 1"),
        ({"true_weights": ()}, "true weights: 1 to 20 numbers, got 0"),
        ({"bias": math.inf}, "bias must be a finite number"),
        ({"seed": -1}, "seed must be at least 0"),
    ],
)
def test_validated_rejects(changes, message):
    with pytest.raises(InputError) as err:
        Settings(**changes).validated()
    assert message in str(err.value)


def test_sgd_work_is_bounded():
    batch = MAX_SGD_SAMPLE_STEPS // MAX_STEPS + 1
    over = Settings(samples=batch, steps=MAX_STEPS, optimizer="sgd", batch_size=batch)
    with pytest.raises(
        InputError, match=f"{batch * MAX_STEPS:,} samples drawn; at most {MAX_SGD_SAMPLE_STEPS:,}"
    ):
        over.check_work(over.samples)
    # the work is min(batch, samples) per step: a batch larger than the data costs only n
    over.check_work(batch - 1)
    exactly = MAX_SGD_SAMPLE_STEPS // MAX_STEPS
    Settings(steps=MAX_STEPS, optimizer="sgd", batch_size=exactly).check_work(exactly)
    Settings(steps=MAX_STEPS, optimizer="gd", batch_size=batch).check_work(batch)  # gd: no bound


def test_sgd_work_counts_the_data_the_run_learns_from():
    # A 200-row CSV bounds the work by its 200 rows, whatever the synthetic sample count says.
    from gd.data import load_csv
    from gd.run import experiment

    rows = "\n".join(f"{i % 7},{i % 5},{i}" for i in range(200))
    data = load_csv(("a,b,y\n" + rows).encode())
    settings = Settings(
        samples=1_000_000, optimizer="sgd", batch_size=2000, steps=MAX_STEPS, learning_rate=1e-4
    )
    assert experiment(settings, data).trajectory.steps == MAX_STEPS
    with pytest.raises(InputError, match="samples drawn"):
        experiment(settings)  # the same settings on 1,000,000 synthetic samples are too much
