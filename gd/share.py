"""Share links: every input as a URL query parameter named as its widget key, and back.

`from_query` never raises: a value that is not allowed is left out with a warning naming it, so a
mangled or hostile link opens the defaults for that input. Values are plain text (no HTML, no
markdown); whoever shows the warnings escapes them.
"""

from __future__ import annotations

from collections.abc import Mapping

from gd.inputs import (
    FIELD_NAMES,
    OPTIMIZERS,
    RANGES,
    InputError,
    Settings,
    format_weights,
    parse_weights,
    short,
)

MAX_PARAMS = 40  # query parameters read at most
MAX_COMPARE = 8  # entries of each comparison list
MAX_NAME = 40  # a parameter name for the surface axes

# The value of every shared widget when the page opens without a query.
DEFAULTS: dict = {
    **Settings().to_dict(),
    "true_weights": format_weights(Settings().true_weights),
    "compare": [],
    "compare_rates": "",
    "compare_batches": "",
    "presenter": False,
    "surface_x": None,
    "surface_y": None,
    "iteration": 0,
}
SHARED = tuple(DEFAULTS)
FLAGS = ("standardize", "presenter")


def _short(text: str, limit: int = 40) -> str:
    """A value quoted for a message, at most about `limit` characters even once escaped."""
    quoted = repr(str(text)[: limit + 1])
    return quoted if len(quoted) <= limit + 2 else quoted[:limit] + "…'"


def parse_list(text: str, parse, what: str) -> list:
    """'a, b, c' -> [parse(a), ...]; InputError naming the first bad entry."""
    items = [t.strip() for t in str(text).split(",") if t.strip()]
    if len(items) > MAX_COMPARE:
        raise InputError(f"{what}: at most {MAX_COMPARE} entries, got {len(items)}")
    out = []
    for item in items:
        value = parse(item)
        if value not in out:
            out.append(value)
    return out


def parse_optimizer(text: str) -> str:
    if text not in OPTIMIZERS:
        raise InputError(f"unknown optimizer {_short(text)}; one of {', '.join(OPTIMIZERS)}")
    return text


def parse_flag(text: str) -> bool:
    lowered = str(text).strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise InputError(f"must be true or false, got {_short(text)}")


def parse_value(key: str, text: str):
    """One query value as its widget holds it; InputError if not allowed."""
    if key == "true_weights":
        return format_weights(parse_weights(text))
    if key in RANGES:
        return RANGES[key].parse(text)
    if key == "optimizer":
        return parse_optimizer(text.strip())
    if key == "compare":
        return parse_list(text, parse_optimizer, "compare")
    if key == "compare_rates":
        return ", ".join(short(r) for r in parse_list(text, RANGES["learning_rate"].parse, key))
    if key == "compare_batches":
        return ", ".join(str(b) for b in parse_list(text, RANGES["batch_size"].parse, key))
    if key in FLAGS:
        return parse_flag(text)
    if key in ("surface_x", "surface_y"):
        name = str(text).strip()
        if not name or len(name) > MAX_NAME:
            raise InputError(f"not a parameter name: {_short(text)}")
        return name
    if key == "iteration":
        value = float(text) if text.strip() else -1.0
        if not (value >= 0 and value.is_integer()):
            raise InputError(f"must be a whole number >= 0, got {_short(text)}")
        return int(min(value, 10**9))
    raise InputError(f"unknown parameter {_short(key)}")


def from_query(query: Mapping[str, str | list[str]]) -> tuple[dict, list[str]]:
    """Valid values from a URL's query, and one warning for each value left out."""
    values, warnings, texts = {}, [], {}
    for n, (key, raw) in enumerate(query.items()):
        if n >= MAX_PARAMS:
            warnings.append(f"Ignored {len(query) - MAX_PARAMS} more URL parameters.")
            break
        text = (raw[-1] if raw else "") if isinstance(raw, list) else raw
        if key not in SHARED:
            # the name itself, unabridged up to 30 characters, so that it can be found and fixed
            shown = repr(key[:30]) + ("…" if len(key) > 30 else "")
            warnings.append(f"Ignored the unknown URL parameter {shown}.")
            continue
        try:
            values[key] = parse_value(key, str(text))
            texts[key] = str(text)
        except (InputError, ValueError, OverflowError) as err:
            detail = str(err) if isinstance(err, InputError) else f"not a number: {_short(text)}"
            warnings.append(f"Ignored the URL parameter {key}={_short(text)}: {detail}. Using the default.")
    return _together(values, warnings, texts)


# When values that are each allowed are not allowed together (nesterov without momentum, sgd past
# its work bound, standardising one row), the URL's values are dropped in this order until the
# rest make a run.
_DROP_ORDER = ("momentum", "batch_size", "steps", "standardize", "samples", "optimizer")


def settings_of(values: Mapping) -> Settings:
    """The run settings that widget values describe (defaults for what they leave out)."""
    merged = {**DEFAULTS, **values}
    fields = {k: merged[k] for k in FIELD_NAMES}
    fields["true_weights"] = parse_weights(merged["true_weights"])
    return Settings(**fields)


def _problem(values: Mapping) -> InputError | None:
    try:
        settings = settings_of(values).validated()
        settings.check_work(len(settings.true_weights), settings.samples)
    except InputError as err:
        return err
    return None


def _together(values: dict, warnings: list[str], texts: dict) -> tuple[dict, list[str]]:
    problem = _problem(values)
    for key in _DROP_ORDER:
        if problem is None:
            break
        if key in values:
            values.pop(key)
            warnings.append(
                f"Ignored the URL parameter {key}={_short(texts[key])}: {problem}. Using the default."
            )
            problem = _problem(values)
    return values, warnings


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)  # the shortest text that reads back as the same float
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def to_query(values: Mapping) -> dict[str, str]:
    """The query that reproduces `values`: only what differs from the defaults."""
    query = {}
    for key in SHARED:
        if key not in values:
            continue
        value = values[key]
        default = DEFAULTS[key]
        if value == default or value is None:
            continue
        if key in FIELD_NAMES and key != "true_weights" and isinstance(default, float):
            value = float(value)
        query[key] = _text(value)
    return query
