"""Share links: every input as a URL query parameter named as its widget key, and back.

`from_query` never raises: a value that is not allowed is left out with a warning naming it, so a
mangled or hostile link opens the defaults for that input. Values are plain text (no HTML, no
markdown); whoever shows the warnings escapes them.
"""

from __future__ import annotations

from collections.abc import Mapping

from gd.checks import quote
from gd.data import MAX_NAME
from gd.inputs import (
    FIELD_NAMES,
    OPTIMIZERS,
    RANGES,
    SCHEDULE_NAMES,
    InputError,
    Settings,
    check_target,
    first_broken,
    format_weights,
    parse_start,
    parse_weights,
    short,
    start_message,
)

MAX_PARAMS = 40  # query parameters read at most
MAX_COMPARE = 8  # entries of each comparison list

# The value of every shared widget when the page opens without a query.
DEFAULTS: dict = {
    **Settings().to_dict(),
    "true_weights": format_weights(Settings().true_weights),
    "start": "",  # zeros
    "compare": [],
    "compare_rates": "",
    "compare_batches": "",
    "presenter": False,
    "surface_x": None,
    "surface_y": None,
    "iteration": 0,
    # The page had an uploaded file: a link cannot carry it, so the link says so, and the page it
    # opens says that it shows the synthetic data instead (see UPLOADED_LINK).
    "uploaded": False,
}
SHARED = tuple(DEFAULTS)
VIEW = ("iteration", "presenter", "surface_x", "surface_y", "uploaded")  # not a run's inputs

# What the page says about a link and an uploaded file: where it was made, where it is opened.
NOT_IN_LINK = (
    "Your file is not in the share link: a link holds settings, not data (the address bar marks it "
    "uploaded=true). Whoever opens it sees the synthetic data, with a note saying so, until they "
    "upload the same file."
)
# Said where the page opens from such a link: one shared, or the page's own address bar when the
# server that held the file stopped and another took the page over (deploy/serve's replicas).
UPLOADED_LINK = (
    "This page was made with an uploaded CSV file, which a link cannot carry and this server does "
    "not hold (the page was opened from its link, or the server that had the file stopped): it "
    "shows the synthetic data with every other setting kept. Choose the file again in the sidebar "
    "to see its run."
)


def missing_axis(key: str, name: str, names, used: str) -> str:
    """The warning for a link's surface axis (`key` = `name`) that the data have no parameter
    of: a link made on an uploaded file, opened without it, or a mistyped name."""
    listed = ", ".join(names[:6]) + (", …" if len(names) > 6 else "")
    return (
        f"Ignored the URL parameter {key}={quote(name)}: these data have no parameter "
        f"{quote(name)} (they have {listed}). Using {used}."
    )


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
    text = str(text).strip()
    if text not in OPTIMIZERS:
        raise InputError(f"unknown optimizer {quote(text)}; one of {', '.join(OPTIMIZERS)}")
    return text


def parse_schedule(text: str) -> str:
    text = str(text).strip()
    if text not in SCHEDULE_NAMES:
        raise InputError(f"unknown schedule {quote(text)}; one of {', '.join(SCHEDULE_NAMES)}")
    return text


def parse_flag(text: str) -> bool:
    lowered = str(text).strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise InputError(f"must be true or false, got {quote(text)}")


def parse_name(text: str) -> str:
    """A parameter's name for a surface axis (gd.data keeps column names to MAX_NAME too)."""
    name = str(text).strip()
    if not name or len(name) > MAX_NAME:
        raise InputError(f"not a parameter name: {quote(text)}")
    return name


def parse_iteration(text: str) -> int:
    value = float(text) if text.strip() else -1.0
    if not (value >= 0 and value.is_integer()):
        raise InputError(f"must be a whole number >= 0, got {quote(text)}")
    return int(min(value, 10**9))


def _rates(text: str) -> str:
    return ", ".join(short(r) for r in parse_list(text, RANGES["learning_rate"].parse, "compare_rates"))


def _batches(text: str) -> str:
    return ", ".join(str(b) for b in parse_list(text, RANGES["batch_size"].parse, "compare_batches"))


# How each shared name's text becomes the value its widget holds (InputError if not allowed).
PARSERS = {
    **{name: rng.parse for name, rng in RANGES.items()},
    "true_weights": lambda text: format_weights(parse_weights(text)),
    "optimizer": parse_optimizer,
    "start": lambda text: format_weights(parse_start(text)),
    "target": check_target,
    "schedule": parse_schedule,
    "compare": lambda text: parse_list(text, parse_optimizer, "compare"),
    "compare_rates": _rates,
    "compare_batches": _batches,
    "standardize": parse_flag,
    "presenter": parse_flag,
    "uploaded": parse_flag,
    "surface_x": parse_name,
    "surface_y": parse_name,
    "iteration": parse_iteration,
}


def parse_value(key: str, text: str):
    """One query value as its widget holds it; InputError if not allowed."""
    try:
        parse = PARSERS[key]
    except KeyError:
        raise InputError(f"unknown parameter {quote(key)}") from None
    return parse(text)


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
            detail = str(err) if isinstance(err, InputError) else f"not a number: {quote(text)}"
            warnings.append(f"Ignored the URL parameter {key}={quote(text)}: {detail}. Using the default.")
    return _together(values, warnings, texts)


def settings_of(values: Mapping) -> Settings:
    """The run settings that widget values describe (defaults for what they leave out)."""
    merged = {**DEFAULTS, **values}
    fields = {k: merged[k] for k in FIELD_NAMES}
    fields["true_weights"] = parse_weights(merged["true_weights"])
    fields["start"] = parse_start(merged["start"])
    return Settings(**fields)


# The start has one number per parameter of the synthetic data (w1..wd, b): a rule of the link's
START_RULE = ("start", "true_weights")


def _problem(values: Mapping):
    """The first rule (gd.inputs.RULES) these values break and its message, else None; then
    whether the start fits the weights (a share link holds no CSV)."""
    settings = settings_of(values)  # each value parsed alone already: only the rules can fail
    broken = first_broken(settings) or first_broken(settings, settings.samples)
    if broken is not None:
        return broken[0].fields, broken[1]
    return START_RULE, start_message(settings.start, len(settings.true_weights) + 1)


def _together(values: dict, warnings: list[str], texts: dict) -> tuple[dict, list[str]]:
    """Values each allowed but not together (nesterov without momentum, sgd past its work bound,
    standardising one row, a start of the wrong length, gamma above 1 for a decaying schedule):
    drop the URL's value of the broken rule's first field it set, until the rest make a run."""
    keys, problem = _problem(values)
    while problem is not None:
        key = next((k for k in keys if k in values), None)
        if key is None:
            break
        values.pop(key)
        warnings.append(f"Ignored the URL parameter {key}={quote(texts[key])}: {problem}. Using the default.")
        keys, problem = _problem(values)
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
