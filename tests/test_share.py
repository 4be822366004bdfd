"""gd.share: a share link reproduces every shared input exactly, and no URL makes it raise.

References: the values a test writes itself (floats compared with ==, never approx), and gd.inputs'
ranges, which the parsed values are checked against one by one.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gd import share
from gd.checks import quote
from gd.inputs import (
    FIELD_NAMES,
    MAX_ABS_VALUE,
    MAX_FEATURES,
    MAX_TEXT,
    OPTIMIZERS,
    RANGES,
    SCHEDULE_NAMES,
    START,
    WEIGHT,
    Settings,
    parse_start,
    parse_weights,
)

# A value for every shared key that differs from its default, at awkward spots: floats that need 17
# digits, the ends of ranges, several entries in every list.
NON_DEFAULT = {
    "true_weights": "1.5, -2, 3e-07",
    "bias": 0.1 + 0.2,  # 0.30000000000000004
    "samples": 123,
    "noise": 1 / 3,
    "seed": 2**32 - 1,
    "learning_rate": 1e-6,
    "steps": 20_000,
    "optimizer": "rmsprop",
    "batch_size": 7,
    "momentum": 0.9999,  # the largest allowed (gd.inputs.MAX_MOMENTUM)
    "eps": 1e-12,
    "alpha": 0.0,
    "beta1": math.nextafter(1.0, 0.0),  # the largest below 1
    "beta2": 0.5,
    "standardize": True,
    "feature_scale": 1000.0,
    "feature_mean": -3.25,
    "outlier": -MAX_ABS_VALUE,
    "start": "0.1, -2, 3, 1e+06",  # one per parameter of the three weights and the bias
    "schedule": "step",
    "gamma": 0.1 + 0.2,
    "step_size": 7,
    "damping": math.nextafter(0.0, 1.0),  # the smallest above 0
    "l2": 1 / 7,
    "target": "sale price",  # an uploaded file's column by name
    "compare": ["adam", "gd", "nesterov"],
    "compare_rates": "0.001, 0.5",
    "compare_batches": "1, 64",
    "presenter": True,
    "surface_x": "w2",
    "surface_y": "b",
    "iteration": 17,
    "uploaded": True,
}


def test_the_shared_keys_are_the_widget_keys_of_the_design():
    widget_keys = {
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
        "surface_x",
        "surface_y",
        "iteration",
        "compare",
        "standardize",
        "presenter",
    }
    assert widget_keys <= set(share.SHARED)
    assert not {"upload", "preset"} & set(share.SHARED)
    assert set(NON_DEFAULT) == set(share.SHARED)  # this module covers every one


def test_every_shared_key_round_trips_exactly():
    assert all(NON_DEFAULT[k] != share.DEFAULTS[k] for k in share.SHARED)
    query = share.to_query(NON_DEFAULT)
    assert set(query) == set(share.SHARED)
    assert all(isinstance(v, str) for v in query.values())
    values, warnings = share.from_query(query)
    assert warnings == []
    assert values == NON_DEFAULT
    for key, value in values.items():  # same types too: 2 is not 2.0 to a number_input
        assert type(value) is type(NON_DEFAULT[key]), key


def test_choices_are_written_as_short_names_and_numbers_as_numbers():
    query = share.to_query(
        {
            "optimizer": "adam",
            "compare": ["gd", "adam"],
            "learning_rate": 0.05,
            "samples": 200,
            "standardize": True,
            "bias": 3,
        }
    )
    assert query == {
        "optimizer": "adam",
        "compare": "gd,adam",
        "learning_rate": "0.05",
        "samples": "200",
        "standardize": "true",
        "bias": "3.0",
    }


@pytest.mark.parametrize("key", [k for k in RANGES if k in share.SHARED])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_numbers_round_trip_bit_for_bit(key, data):
    rng = RANGES[key]
    if rng.integer:
        value = data.draw(st.integers(int(rng.minimum), int(rng.maximum)))
    else:
        value = data.draw(
            st.floats(
                rng.minimum, rng.maximum, exclude_min=rng.open_min, exclude_max=rng.open_max, allow_nan=False
            )
        )
    values, warnings = share.from_query(share.to_query({key: value}))
    assert warnings == []
    if value == share.DEFAULTS[key]:
        assert values == {}  # a default is not written at all
    else:
        assert values[key] == value and math.copysign(1, values[key]) == math.copysign(1, value)


def test_to_query_leaves_out_every_default_whatever_its_type():
    assert share.to_query(share.DEFAULTS) == {}
    as_ints = {
        **share.DEFAULTS,
        "bias": 2,
        "noise": 0,
        "momentum": 0.9,
        "feature_scale": 1,
        "outlier": 0,
        "learning_rate": 0.01,
    }
    assert share.to_query(as_ints) == {}
    assert share.to_query({**share.DEFAULTS, "surface_x": None, "compare": []}) == {}
    assert share.to_query({**share.DEFAULTS, "steps": 10}) == {"steps": "10"}


def test_true_weights_text_is_normalised():
    values, warnings = share.from_query({"true_weights": " [2,4 ,  5]  "})
    assert warnings == [] and values == {"true_weights": "2, 4, 5"}
    values, _ = share.from_query({"true_weights": "1e3, -0.5"})
    assert parse_weights(values["true_weights"]) == (1000.0, -0.5)


@pytest.mark.parametrize("text, weights", [("1.23456789", (1.23456789,)), ("0.1, 123456.7", (0.1, 123456.7))])
def test_true_weights_in_a_link_are_the_exact_numbers_typed(text, weights):
    values, warnings = share.from_query({"true_weights": text})
    assert warnings == []
    assert parse_weights(values["true_weights"]) == weights


@pytest.mark.parametrize(
    "text, expected",
    [("gd,adam", ["gd", "adam"]), (" adam , gd ,adam", ["adam", "gd"]), ("", []), (",,", [])],
)
def test_compare_lists_are_read_in_order_without_duplicates(text, expected):
    values, warnings = share.from_query({"compare": text})
    assert warnings == [] and values == {"compare": expected}


@pytest.mark.parametrize(
    "text, flag",
    [
        ("true", True),
        ("1", True),
        ("on", True),
        ("YES", True),
        ("false", False),
        ("0", False),
        ("off", False),
        ("", False),
    ],
)
def test_flags(text, flag):
    assert share.from_query({"presenter": text, "standardize": text}) == (
        {"presenter": flag, "standardize": flag},
        [],
    )


# ---- hostile URLs --------------------------------------------------------------------------------

LONG = "9" * 10_000
HOSTILE = [
    "nan",
    "NaN",
    "-nan",
    "inf",
    "-inf",
    "Infinity",
    "1e999",
    "-1e999",
    "1e308",
    "-1e308",
    "-0",
    "0",
    "-0.0",
    "1e-400",
    "",
    " ",
    "   \t",
    LONG,
    "x" * 10_000,
    "1" * 101,
    "<script>alert(1)</script>",
    "<b>x</b>",
    "**bold**",
    "$x^2$",
    ":red[x]",
    "[a](javascript:x)",
    "=1+2",
    "\u202etrue",
    "１２",
    "𝟙",
    "\x00",
    "0x10",
    "1_000",
    "1,2,3",
    "gd,adam",
    "gd,gd,gd",
    ",".join(["gd"] * 50),
    ",".join(["1"] * 50),
    "true",
    "maybe",
    "w1",
    "b",
    "2**1000",
    str(10**400),
    "9" * 99,
    "1e6",
    "1000001",
    "4294967296",
    "-1",
    "1.5",
]
keys = st.one_of(
    st.sampled_from(share.SHARED),
    st.sampled_from(["", "upload", "preset", "__class__", "<script>", "x" * 500]),
    st.text(),
)
texts = st.one_of(st.sampled_from(HOSTILE), st.text(), st.floats().map(repr), st.integers().map(str))
raw_values = st.one_of(texts, st.lists(texts, min_size=1, max_size=3))
queries = st.dictionaries(keys, raw_values, max_size=share.MAX_PARAMS)


def names(warning: str, key: str) -> bool:
    """Does the warning name the key? Quotes and escapes aside, as repr() may choose them."""

    def plain(s):
        return s.replace("\\", "").replace("'", "").replace('"', "")

    return plain(repr(key[:30])[1:-1]) in plain(warning)


def assert_allowed(key: str, value) -> None:
    """An independent check of a parsed value against gd.inputs' table of ranges."""
    if key == "true_weights":
        weights = parse_weights(value)
        assert 1 <= len(weights) <= MAX_FEATURES
        assert all(WEIGHT.minimum <= w <= WEIGHT.maximum for w in weights)
    elif key in RANGES:
        rng = RANGES[key]
        assert type(value) is (int if rng.integer else float), (key, value)
        assert math.isfinite(value) and (rng.minimum < value if rng.open_min else rng.minimum <= value)
        assert value < rng.maximum if rng.open_max else value <= rng.maximum
    elif key == "start":  # empty (zeros) or numbers (their count against the weights: own test)
        start = parse_start(value)
        assert len(start) <= MAX_FEATURES + 1
        assert all(START.minimum <= v <= START.maximum for v in start)
    elif key == "schedule":
        assert value in SCHEDULE_NAMES
    elif key == "optimizer":
        assert value in OPTIMIZERS
    elif key == "compare":
        assert len(value) == len(set(value)) <= share.MAX_COMPARE and set(value) <= set(OPTIMIZERS)
    elif key in ("compare_rates", "compare_batches"):
        rng = RANGES["learning_rate" if key == "compare_rates" else "batch_size"]
        entries = [float(t) for t in value.split(",") if t.strip()]
        assert len(entries) == len(set(entries)) <= share.MAX_COMPARE
        assert all(rng.minimum <= e <= rng.maximum for e in entries)
    elif key in ("standardize", "presenter", "uploaded"):
        assert type(value) is bool
    elif key in ("surface_x", "surface_y"):
        assert isinstance(value, str) and 0 < len(value) <= share.MAX_NAME and value == value.strip()
    elif key == "iteration":
        assert type(value) is int and 0 <= value <= 10**9
    elif key == "target":  # a file's column by name, checked against the file once uploaded
        assert isinstance(value, str) and len(value) <= MAX_TEXT and value == value.strip()
    else:
        raise AssertionError(f"unexpected key {key!r}")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query=queries)
def test_from_query_never_raises_and_names_every_ignored_value(query):
    values, warnings = share.from_query(query)
    assert set(values) <= set(query) & set(share.SHARED)
    ignored = [k for k in query if k not in values]
    assert len(warnings) == len(ignored)  # one warning each, none for a value kept
    for key in ignored:
        assert any(names(w, key) for w in warnings), (key, warnings)
        if key in share.SHARED:
            assert any(f"{key}=" in w for w in warnings), (key, warnings)
    assert all(isinstance(w, str) and len(w) < 400 for w in warnings)  # a long value is cut
    for key, value in values.items():
        assert_allowed(key, value)
    if values.get("optimizer") == "nesterov":
        assert values.get("momentum", share.DEFAULTS["momentum"]) > 0


@pytest.mark.parametrize("value", HOSTILE)
def test_each_hostile_value_for_each_key_is_kept_only_if_allowed(value):
    for key in share.SHARED:
        values, warnings = share.from_query({key: value})
        if key in values:
            assert warnings == []
            assert_allowed(key, values[key])
        else:
            assert len(warnings) == 1 and f"{key}=" in warnings[0] and "default" in warnings[0]


@pytest.mark.parametrize(
    "key, text",
    [
        ("samples", "1e99"),
        ("samples", "2.5"),
        ("bias", "nan"),
        ("bias", "1e999"),
        ("noise", "-0.1"),
        ("learning_rate", "0"),
        ("learning_rate", "abc"),
        ("momentum", "1"),
        ("seed", "-1"),
        ("steps", "20001"),
        ("optimizer", "<script>"),
        ("compare", "gd,sgdd"),
        ("true_weights", ""),
        ("standardize", "2"),
        ("iteration", "-0.5"),
        ("surface_x", "x" * 41),
        ("compare_rates", "0.1,abc"),
    ],
)
def test_valid_values_survive_next_to_invalid_ones(key, text):
    good = {
        "learning_rate": "0.05",
        "optimizer": "adam",
        "samples": "300",
        "compare": "gd,momentum",
        "true_weights": "3, -1",
        "iteration": "7",
        "presenter": "true",
        "bias": "-1.5",
    }
    expected = {
        "learning_rate": 0.05,
        "optimizer": "adam",
        "samples": 300,
        "compare": ["gd", "momentum"],
        "true_weights": "3, -1",
        "iteration": 7,
        "presenter": True,
        "bias": -1.5,
    }
    query = {**good, key: text}
    values, warnings = share.from_query(query)
    assert key not in values
    assert values == {k: v for k, v in expected.items() if k != key}
    assert len(warnings) == 1 and f"{key}=" in warnings[0]


def test_a_repeated_parameter_takes_its_last_value():
    assert share.from_query({"steps": ["5", "abc", "9"]}) == ({"steps": 9}, [])


def test_an_empty_list_value_is_a_warning_not_an_exception():
    values, warnings = share.from_query({"steps": [], "bias": "3"})
    assert values == {"bias": 3.0}
    assert len(warnings) == 1 and "steps" in warnings[0]


def test_nesterov_with_zero_momentum_in_a_url_keeps_nesterov_and_drops_the_momentum():
    for zero in ("0", "0.0", "-0", "0e5"):
        values, warnings = share.from_query({"optimizer": "nesterov", "momentum": zero})
        assert values == {"optimizer": "nesterov"}
        assert len(warnings) == 1 and f"momentum={zero!r}" in warnings[0] and "nesterov" in warnings[0]
        Settings(**{k: v for k, v in values.items()}).validated()  # the defaults make it valid
    assert share.from_query({"optimizer": "gd", "momentum": "0"}) == (
        {"optimizer": "gd", "momentum": 0.0},
        [],
    )
    assert share.from_query({"optimizer": "nesterov", "momentum": "0.5"}) == (
        {"optimizer": "nesterov", "momentum": 0.5},
        [],
    )


def settings_from(values: dict) -> Settings:
    merged = {**share.DEFAULTS, **values}
    fields = {k: merged[k] for k in FIELD_NAMES}
    fields["true_weights"] = parse_weights(fields["true_weights"])
    return Settings(**fields)


@pytest.mark.parametrize(
    "query, kept, dropped",
    [
        (
            {"optimizer": "nesterov", "momentum": "0"},
            {"optimizer": "nesterov"},
            "momentum='0': nesterov needs",
        ),
        (
            {"optimizer": "adam", "learning_rate": "100", "steps": "20000", "samples": "1000000"},
            {"optimizer": "adam", "learning_rate": 100.0, "steps": 20000, "samples": 1_000_000},
            None,
        ),
        (
            {"true_weights": ",".join(["1e6"] * 20), "bias": "-1e6", "noise": "1e6"},
            {"true_weights": ", ".join(["1e+06"] * 20), "bias": -1e6, "noise": 1e6},
            None,
        ),
    ],
)
def test_what_a_url_keeps_is_a_valid_setup(query, kept, dropped):
    values, warnings = share.from_query(query)
    assert values == kept
    if dropped is None:
        assert warnings == []
    else:
        assert len(warnings) == 1 and dropped in warnings[0]
    settings = settings_from(values).validated()
    settings.check_work(settings.samples)


def test_a_url_past_the_sgd_work_bound_is_ignored_with_a_warning():
    values, warnings = share.from_query({"optimizer": "sgd", "batch_size": "5000", "steps": "20000"})
    assert values == {"optimizer": "sgd", "steps": 20000}  # the rule's first field is dropped
    assert warnings == [
        "Ignored the URL parameter batch_size='5000': sgd: batch size x steps = 100,000,000 samples "
        "drawn; at most 20,000,000 (use fewer steps or a smaller batch). Using the default."
    ]
    settings = settings_from(values).validated()
    settings.check_work(settings.samples)


def test_more_than_max_params_are_cut_with_one_warning():
    junk = {f"junk{i}": "1" for i in range(share.MAX_PARAMS)}
    query = {**junk, "bias": "3", "steps": "10", "optimizer": "adam"}
    values, warnings = share.from_query(query)
    assert values == {}  # read no further than MAX_PARAMS parameters
    assert len(warnings) == share.MAX_PARAMS + 1
    assert "3 more" in warnings[-1]
    values, warnings = share.from_query({"bias": "3", **junk})
    assert values == {"bias": 3.0} and len(warnings) == share.MAX_PARAMS
    many = {f"k{i}": "x" for i in range(100_000)}
    values, warnings = share.from_query(many)
    assert values == {} and len(warnings) == share.MAX_PARAMS + 1
    assert f"{100_000 - share.MAX_PARAMS:,}".replace(",", "") in warnings[-1].replace(",", "")


def test_parsed_values_fit_the_widgets_ranges():
    # what a number_input accepts: gd.inputs' ranges are the widgets' min/max
    for key, text in [
        ("samples", "1000000"),
        ("learning_rate", "100"),
        ("learning_rate", "1e-6"),
        ("momentum", "0.999"),
        ("seed", "4294967295"),
        ("feature_scale", "1000"),
    ]:
        values, warnings = share.from_query({key: text})
        assert warnings == [] and values[key] == RANGES[key].parse(text)
    for key, text in [
        ("samples", "1000001"),
        ("learning_rate", "100.00000001"),
        ("learning_rate", "9.99e-7"),
        ("seed", "4294967296"),
        ("momentum", "1.0"),
    ]:
        values, warnings = share.from_query({key: text})
        assert values == {} and len(warnings) == 1


@pytest.mark.parametrize("key", ["compare", "compare_rates"])
def test_each_comparison_list_holds_at_most_max_compare_entries(key):
    if key == "compare":
        eight = "gd,sgd,momentum,nesterov,adagrad,rmsprop,adam,adam"  # duplicates count as typed
        nine = eight + ",gd"
    else:
        eight = ",".join(str(r) for r in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8))
        nine = eight + ",0.9"
    values, warnings = share.from_query({key: eight})
    assert warnings == [] and key in values
    values, warnings = share.from_query({key: nine})
    assert values == {} and warnings == [
        f"Ignored the URL parameter {key}={quote(nine)}: {key}: at most {share.MAX_COMPARE} entries, got 9. "
        "Using the default."
    ]


def test_a_start_that_does_not_fit_the_weights_is_dropped_with_a_warning():
    values, warnings = share.from_query({"true_weights": "1, 2", "start": "1, 2"})
    assert values == {"true_weights": "1, 2"}
    assert len(warnings) == 1 and "start=" in warnings[0] and "give 3 numbers" in warnings[0]
    values, warnings = share.from_query({"true_weights": "1, 2", "start": "1, 2, -3.5"})
    assert warnings == [] and values["start"] == "1, 2, -3.5"
    assert share.settings_of(values).start == (1.0, 2.0, -3.5)


def test_gamma_above_one_with_a_decaying_schedule_is_dropped_with_a_warning():
    values, warnings = share.from_query({"schedule": "exponential", "gamma": "2"})
    assert values == {"schedule": "exponential"} and "gamma=" in warnings[0]
    values, warnings = share.from_query({"schedule": "inverse", "gamma": "2"})
    assert values == {"schedule": "inverse", "gamma": 2.0} and warnings == []


@pytest.mark.parametrize(
    ("key", "text", "said"),
    [
        ("learning_rate", "1e-400", "got 1e-400"),  # float64 reads it as 0
        ("steps", "1e400", "got 1e400"),  # and this as inf
        ("learning_rate", "0", "got 0"),  # a zero typed is quoted as it was
    ],
)
def test_a_link_value_beyond_float64_is_quoted_as_typed(key, text, said):
    values, warnings = share.from_query({key: text})
    assert key not in values and len(warnings) == 1
    assert warnings[0].endswith(f"{said}. Using the default.")
    assert "got inf" not in warnings[0] and (text == "0" or "got 0." not in warnings[0])
