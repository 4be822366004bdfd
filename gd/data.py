"""The data a run learns from: synthetic y = X w + b (+ noise), or a CSV file; standardisation.

Shapes: X is (n, d) float64, y is (n,). Parameters are theta = (w1..wd, b), shape (d + 1,).
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import os
import select
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from gd.checks import quote
from gd.inputs import MAX_FEATURES, MAX_SAMPLES, ONE_ROW, InputError
from gd.problem import CHUNK_ROWS  # one block size for every pass: data that fit one block take one

MAX_CSV_BYTES = 100 * 2**20  # the command line's limit; the app's uploader has a smaller one
MAX_NAME = 40  # characters of a column name kept for display
# Largest size of a CSV value: squares and their sums over 10^6 rows stay far inside float64
# (1.8e308), and so do the losses a diverging run reaches before it is stopped.
MAX_CSV_VALUE = 1e100
PIPE_WAIT = 5.0  # seconds a named pipe given as the data may wait for a program to write to it


@dataclass(frozen=True)
class Dataset:
    """Features X (n, d), target y (n,), names for display; the truth where it is known.

    After `standardize`, X holds z-scores and `mean`, `scale` (d,) map them back:
    x_original = X * scale + mean.
    """

    X: np.ndarray
    y: np.ndarray
    names: tuple[str, ...]
    target: str = "y"
    true_weights: np.ndarray | None = None
    true_bias: float | None = None
    mean: np.ndarray | None = None
    scale: np.ndarray | None = None

    @property
    def n(self) -> int:
        return self.X.shape[0]

    @property
    def d(self) -> int:
        return self.X.shape[1]

    @property
    def standardized(self) -> bool:
        return self.scale is not None

    @property
    def param_names(self) -> tuple[str, ...]:
        """Names of theta's entries for legends: w1..wd and b, or a CSV's feature names and b."""
        return parameter_names(self.names, synthetic=self.true_weights is not None)

    def true_theta(self) -> np.ndarray | None:
        """(w, b) of the generating model, in the units the optimizer works in."""
        if self.true_weights is None:
            return None
        theta = np.append(self.true_weights, self.true_bias)
        if self.standardized:
            theta = from_original_units(theta, self.mean, self.scale)
        return theta


def make_regression(
    true_weights,
    bias: float,
    samples: int,
    noise: float = 0.0,
    seed: int = 0,
    feature_scale: float = 1.0,
    feature_mean: float = 0.0,
    outlier: float = 0.0,
) -> Dataset:
    """Synthetic data as in the article: x ~ N(0, I_d), y = w.x + b + noise * N(0, 1).

    Beyond the article: feature j has standard deviation feature_scale ** (j / (d - 1)) (1 up to
    feature_scale) and mean feature_mean, which makes the loss a long, narrow valley; `outlier` is
    added to the first sample's y. X is drawn before the noise, so changing the noise level keeps
    the same features; the defaults give the article's data exactly.

    The whole data set in memory: `regression_chunks` with the blocks put together.
    """
    w = np.asarray(true_weights, dtype=float)
    X = np.empty((samples, w.size))
    y = np.empty(samples)
    start = 0
    for Xc, yc in regression_chunks(w, bias, samples, noise, seed, feature_scale, feature_mean, outlier):
        X[start : start + len(yc)] = Xc
        y[start : start + len(yc)] = yc
        start += len(yc)
    names = tuple(f"x{i}" for i in range(1, w.size + 1))
    return Dataset(X, y, names, "y", w, float(bias))


def regression_chunks(
    true_weights,
    bias: float,
    samples: int,
    noise: float = 0.0,
    seed: int = 0,
    feature_scale: float = 1.0,
    feature_mean: float = 0.0,
    outlier: float = 0.0,
    rows: int = CHUNK_ROWS,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """`make_regression`'s data as blocks (X rows, y rows) of at most `rows` rows, in order.

    The random stream is the one a single draw of the whole would use (numpy's Generator fills
    arrays value by value, so blocks of X drawn in turn are the same numbers, bit for bit), then
    the noise after all of X. Without noise that is one pass holding one block; with noise, y
    (8 bytes a sample) is kept while the features are drawn twice: once to reach the noise, once
    to hand out. y = X w + b is one BLAS product per block: bit-identical to one product over the
    whole when the data fit in one block (the article's 5,000 samples), within an ulp beyond.
    """
    w = np.asarray(true_weights, dtype=float)
    spread = None
    if feature_scale != 1.0:
        spread = feature_scale ** np.linspace(0.0, 1.0, w.size) if w.size > 1 else feature_scale

    def features(rng):
        for start in range(0, samples, rows):
            X = rng.standard_normal((min(rows, samples - start), w.size))
            if spread is not None:
                X *= spread
            if feature_mean != 0.0:
                X += feature_mean
            yield start, X

    if noise > 0:
        rng = np.random.default_rng(seed)
        y = np.empty(samples)
        for start, X in features(rng):
            y[start : start + len(X)] = X @ w + bias
        for start in range(0, samples, rows):
            stop = min(start + rows, samples)
            y[start:stop] += noise * rng.standard_normal(stop - start)
        if outlier:
            y[0] += outlier
        for start, X in features(np.random.default_rng(seed)):
            yield X, y[start : start + len(X)]
        return
    for start, X in features(np.random.default_rng(seed)):
        y = X @ w + bias
        if outlier and start == 0:
            y[0] += outlier
        yield X, y


def parameter_names(features: tuple[str, ...], synthetic: bool) -> tuple[str, ...]:
    """theta's names: w1..wd (synthetic data) or the features' names, then the bias's, which is
    `b` unless a feature has that name: then the first of intercept, bias, b_2, b_3... that none
    has, so that every parameter has its own name (a surface axis is chosen by name)."""
    weights = tuple(f"w{i}" for i in range(1, len(features) + 1)) if synthetic else tuple(features)
    taken = set(weights)
    candidates = itertools.chain(("b", "intercept", "bias"), (f"b_{k}" for k in itertools.count(2)))
    return weights + (next(name for name in candidates if name not in taken),)


def column_moments(blocks: Iterable[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Each column's mean and standard deviation (as X.mean(0), X.std(0)) over blocks of rows,
    combined as Chan, Golub and LeVeque do: no sum of squares that could cancel."""
    n, mean, m2 = 0, None, None
    for X in blocks:
        k = len(X)
        if k == 0:
            continue
        block_mean = X.mean(axis=0)
        block_m2 = ((X - block_mean) ** 2).sum(axis=0)
        if mean is None:
            n, mean, m2 = k, block_mean, block_m2
            continue
        delta = block_mean - mean
        mean = mean + delta * (k / (n + k))
        m2 = m2 + block_m2 + delta**2 * (n * k / (n + k))
        n += k
    return mean, np.sqrt(m2 / n)


def check_spread(mean: np.ndarray, scale: np.ndarray, names: tuple[str, ...]) -> None:
    """InputError where standardising would divide by zero: a column whose spread is round-off
    around its mean is constant (relative to the mean alone: a column of 1e-90 values that vary is
    not constant, and standardising is what fits it)."""
    constant = (scale == 0) | (scale <= 1e-12 * np.abs(mean))
    if constant.any():
        cols = ", ".join(names[i] for i in np.flatnonzero(constant)[:5])
        raise InputError(f"cannot standardise: constant column ({cols}) has zero standard deviation")


def standardize(data: Dataset) -> Dataset:
    """Features as z-scores, (x - mean) / std; InputError where that would divide by zero."""
    if data.n < 2:  # the same rule as gd.inputs' for settings, here for a file's rows
        raise InputError(ONE_ROW)
    mean = data.X.mean(axis=0)
    scale = data.X.std(axis=0)
    check_spread(mean, scale, data.names)
    return replace(data, X=(data.X - mean) / scale, mean=mean, scale=scale)


def to_original_units(theta: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Parameters learned on z-scores -> the same model on the original features.

    w.z + b = w.(x - m)/s + b = (w/s).x + (b - sum(w m / s)). Works on (..., d+1) arrays.
    """
    theta = np.asarray(theta, dtype=float)
    w = theta[..., :-1] / scale
    b = theta[..., -1] - w @ mean
    return np.concatenate([w, b[..., None]], axis=-1)


def from_original_units(theta: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """The inverse of `to_original_units`."""
    theta = np.asarray(theta, dtype=float)
    w = theta[..., :-1]
    b = theta[..., -1] + w @ mean
    return np.concatenate([w * scale, b[..., None]], axis=-1)


class TargetMismatch(InputError):
    """A target column the file does not have: the name is what cannot be used (the page keeps
    the file and takes the automatic target)."""


def csv_columns(raw: bytes, max_features: int = MAX_FEATURES) -> list[str]:
    """A CSV file's column names (its header row, as `load_csv` reads it), its numbers unread;
    InputError where `load_csv` would refuse the header."""
    end = raw.find(b"\n")
    first = bytes(raw[: end if end >= 0 else len(raw)])  # the header's line: the numbers untouched
    return _header(csv.reader(io.StringIO(_decode(first), newline="")), max_features)


def target_column(names: list[str], target: str = "") -> tuple[int, str]:
    """The index of the target among a header's `names`, and why it is that one: `target` by
    name where given (TargetMismatch naming the columns there are if none has that name), else
    the column named y, else the last column."""
    if target:
        if target in names:
            return names.index(target), "the column chosen"
        listed = ", ".join(quote(_short(n)) for n in names[: MAX_FEATURES + 1])
        raise TargetMismatch(f"the file has no column {quote(target)}; its columns are {listed}")
    if "y" in names:
        return names.index("y"), "the column named y"
    return len(names) - 1, "the last column, as no column is named y"


def load_csv(
    source: str | Path | bytes,
    max_rows: int = MAX_SAMPLES,
    max_features: int = MAX_FEATURES,
    max_bytes: int = MAX_CSV_BYTES,
    target: str = "",
) -> Dataset:
    """Read a CSV: a header row, then numbers. The target is the column named `target` where
    given, else the column `y`, else the last one (`target_column`).

    `source` is a path or the file's bytes. Every problem is an InputError that says what is
    wrong and where (row numbers count the header as row 1, as a spreadsheet does). Each step is
    one function below: read the bytes, decode them, the header, the numbers, their sizes.
    """
    raw = _read(source, max_bytes)
    rows = csv.reader(io.StringIO(_decode(raw), newline=""))
    names = _header(rows, max_features)
    target, _ = target_column(names, target)  # before the numbers: a wrong name is said at once
    table = _numbers(rows, len(names), max_rows)
    _check_magnitudes(table, names)
    features = [i for i in range(len(names)) if i != target]
    labels = _labels(names)
    return Dataset(
        table[:, features],
        table[:, target].copy(),
        tuple(labels[i] for i in features),
        labels[target],
    )


def _read(source: str | Path | bytes, max_bytes: int) -> bytes:
    """The file's bytes, at most `max_bytes` of them."""
    if isinstance(source, (bytes, bytearray)):
        raw = bytes(source)
        if len(raw) > max_bytes:
            raise InputError(f"the file is {len(raw):,} bytes; at most {max_bytes:,}")
        return raw
    path = Path(source)
    try:
        return _read_path(path, max_bytes)
    except OSError as err:
        raise InputError(f"cannot read {path}: {err.strerror or err}") from None


def _read_path(path: Path, max_bytes: int) -> bytes:
    """Read a file, or a pipe (--data /dev/stdin has no size to stat: the read is bounded).

    Opened without blocking, so that a named pipe no program writes to is not waited on forever:
    where no writer is there yet, one has PIPE_WAIT seconds to come; a pipe whose writer is there
    (`slow | python -m gd --data /dev/stdin`) is read as long as the writer takes.
    """
    nonblock = getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, os.O_RDONLY | nonblock)
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise InputError(f"cannot read {path}: it is a directory, not a CSV file")
        if stat.S_ISREG(info.st_mode) and info.st_size > max_bytes:
            raise InputError(f"{path}: the file is {info.st_size:,} bytes; at most {max_bytes:,}")
        first = b""
        if nonblock and stat.S_ISFIFO(info.st_mode):
            first = _wait_for_a_writer(fd, path)
        if nonblock:
            os.set_blocking(fd, True)
        with os.fdopen(os.dup(fd), "rb") as f:
            raw = first + f.read(max_bytes + 1 - len(first))
    finally:
        os.close(fd)
    if len(raw) > max_bytes:
        raise InputError(f"{path}: the file is over the limit of {max_bytes:,} bytes")
    return raw


def _wait_for_a_writer(fd: int, path: Path) -> bytes:
    """A pipe opened without blocking: with a writer there, a read finds no data yet (EAGAIN) or
    some; with none, it finds the end (b""): then wait PIPE_WAIT seconds for one to come.
    Returns what the check read (a byte at most), which belongs at the start of the data."""
    poll = select.poll()
    poll.register(fd, select.POLLIN)
    if poll.poll(0):
        return b""  # data, or a writer came and went: the reads will tell
    try:
        first = os.read(fd, 1)
    except BlockingIOError:
        return b""  # a writer is there, with nothing written yet: wait for it as long as it takes
    if first == b"" and not poll.poll(PIPE_WAIT * 1000):
        raise InputError(
            f"{path} is a pipe that no program wrote to within {PIPE_WAIT:g} s; start the "
            "program that writes it first, or give a file"
        )
    return first


_UTF16_32 = {
    b"\xff\xfe\x00\x00": "UTF-32",
    b"\x00\x00\xfe\xff": "UTF-32",
    b"\xff\xfe": "UTF-16",
    b"\xfe\xff": "UTF-16",
}


def _decode(raw: bytes) -> str:
    """UTF-8 text (a byte-order mark allowed); UTF-16 and UTF-32 are named, not called binary."""
    if not raw.strip():
        raise InputError("the file is empty")
    wide = next((name for bom, name in _UTF16_32.items() if raw.startswith(bom)), None)
    if wide is None and b"\0" in raw:
        head = raw[:4096]
        even, odd = head[0::2].count(0), head[1::2].count(0)
        if max(even, odd) >= len(head) // 4 and min(even, odd) == 0:  # ASCII text, two bytes a character
            wide = "UTF-16"
    if wide:
        raise InputError(f"the file is {wide} text; save it as UTF-8 (in a spreadsheet: CSV UTF-8)")
    if b"\0" in raw:
        raise InputError("the file is binary, not a CSV text file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("the file is not UTF-8 text (save it as CSV UTF-8)") from None


def _header(rows, max_features: int) -> list[str]:
    """Row 1: at least two distinct, non-empty column names, not numbers."""
    try:
        header = next(rows)
    except csv.Error as err:
        raise InputError(f"row 1 is not valid CSV: {err}") from None
    names = [h.strip() for h in header]
    width = len(names)
    if width < 2:
        raise InputError(
            "the file needs at least two columns (a feature and the target y), separated by commas; "
            f"row 1 has {width}"
        )
    if width - 1 > max_features:
        raise InputError(f"the file has {width - 1} feature columns; at most {max_features}")
    if all(_is_number(h) for h in names):
        raise InputError("row 1 must be a header naming the columns (e.g. x1,x2,y); it holds numbers")
    for i, name in enumerate(names, 1):
        if not name:
            raise InputError(f"row 1: column {i} has no name")
    if len(set(names)) < width:
        dup = next(n for n in names if names.count(n) > 1)
        raise InputError(f"row 1: the column name {_short(dup)!r} appears twice")
    return names


def _numbers(rows, width: int, max_rows: int) -> np.ndarray:
    """The data rows as an (n, width) array: finite numbers, `width` a row, blank lines skipped."""
    values = []
    try:
        for row in rows:
            if not row or all(not cell.strip() for cell in row):
                continue  # blank lines, common at the end of files
            if len(values) >= max_rows:
                raise InputError(f"the file has more than {max_rows:,} data rows")
            values.append(_row(row, rows.line_num, width))
    except csv.Error as err:
        raise InputError(f"row {rows.line_num} is not valid CSV: {err}") from None
    if not values:
        raise InputError("the file has a header but no data rows")
    return np.array(values, dtype=float)


def _row(row: list[str], line: int, width: int) -> list[float]:
    if len(row) != width:
        raise InputError(f"row {line} has {len(row)} values; the header has {width}")
    try:
        numbers = [float(cell) for cell in row]
    except ValueError:
        bad = next(c for c in row if not _is_number(c))
        raise InputError(f"row {line}: {_short(bad.strip())!r} is not a number") from None
    if not all(map(math.isfinite, numbers)):
        raise InputError(f"row {line}: NaN or infinity is not allowed")
    return numbers


def _check_magnitudes(table: np.ndarray, names: list[str]) -> None:
    """Refuse a column whose values' squares would overflow or underflow float64 on the way to
    A^T A: within +-MAX_CSV_VALUE, and not all tinier than 1 / MAX_CSV_VALUE (zeros aside)."""
    largest = np.max(np.abs(table), axis=0)
    for name, top in zip(names, largest, strict=True):
        if top > MAX_CSV_VALUE:
            raise InputError(
                f"column {_short(name)!r} holds {top:g}; values must be within ±{MAX_CSV_VALUE:g} "
                "(their squares would overflow): rescale the column, e.g. to other units"
            )
        if 0 < top < 1 / MAX_CSV_VALUE:
            raise InputError(
                f"column {_short(name)!r} holds only values below {1 / MAX_CSV_VALUE:g} in size (at most "
                f"{top:g}; their squares would vanish): rescale the column, e.g. to other units"
            )


def _labels(names: list[str]) -> list[str]:
    """Column names shortened for display to MAX_NAME characters, all different: a name cut to the
    same beginning as another keeps its end too, and a number where even that is shared."""
    labels = [_short(n) for n in names]
    for i, name in enumerate(names):
        if labels.count(labels[i]) > 1 and len(name) > MAX_NAME:
            head = (MAX_NAME - 1) // 2
            labels[i] = name[:head] + "…" + name[-(MAX_NAME - 1 - head) :]
    for i in range(len(labels)):
        k = 2
        while labels.count(labels[i]) > 1:
            suffix = f"…#{k}"
            labels[i] = names[i][: MAX_NAME - len(suffix)] + suffix
            k += 1
    return labels


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _short(name: str) -> str:
    return name if len(name) <= MAX_NAME else name[: MAX_NAME - 1] + "…"
