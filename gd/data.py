"""The data a run learns from: synthetic y = X w + b (+ noise), or a CSV file; standardisation.

Shapes: X is (n, d) float64, y is (n,). Parameters are theta = (w1..wd, b), shape (d + 1,).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from gd.inputs import MAX_FEATURES, MAX_SAMPLES, InputError

MAX_CSV_BYTES = 100 * 2**20  # the command line's limit; the app's uploader has a smaller one
MAX_NAME = 40  # characters of a column name kept for display


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
        if self.true_weights is not None:
            weights = tuple(f"w{i}" for i in range(1, self.d + 1))
        else:
            weights = self.names
        bias = "b" if "b" not in weights else "intercept"
        return weights + (bias,)

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
    """
    w = np.asarray(true_weights, dtype=float)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((samples, w.size))
    if feature_scale != 1.0:
        X *= feature_scale ** np.linspace(0.0, 1.0, w.size) if w.size > 1 else feature_scale
    if feature_mean != 0.0:
        X += feature_mean
    y = X @ w + bias
    if noise > 0:
        y += noise * rng.standard_normal(samples)
    if outlier:
        y[0] += outlier
    names = tuple(f"x{i}" for i in range(1, w.size + 1))
    return Dataset(X, y, names, "y", w, float(bias))


def standardize(data: Dataset) -> Dataset:
    """Features as z-scores, (x - mean) / std; InputError where that would divide by zero."""
    if data.n < 2:
        raise InputError("cannot standardise a single row: its standard deviation is zero")
    mean = data.X.mean(axis=0)
    scale = data.X.std(axis=0)
    # A column whose spread is round-off around its mean is constant.
    constant = scale <= 1e-12 * np.maximum(np.abs(mean), 1.0)
    if constant.any():
        cols = ", ".join(data.names[i] for i in np.flatnonzero(constant)[:5])
        raise InputError(f"cannot standardise: constant column ({cols}) has zero standard deviation")
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


def load_csv(
    source: str | Path | bytes,
    max_rows: int = MAX_SAMPLES,
    max_features: int = MAX_FEATURES,
    max_bytes: int = MAX_CSV_BYTES,
) -> Dataset:
    """Read a CSV: a header row, then numbers. The target is the column `y`, else the last one.

    `source` is a path or the file's bytes. Every problem is an InputError that says what is
    wrong and where (row numbers count the header as row 1, as a spreadsheet does).
    """
    if isinstance(source, (bytes, bytearray)):
        raw = bytes(source)
    else:
        path = Path(source)
        try:
            size = path.stat().st_size
            if size > max_bytes:
                raise InputError(f"{path}: the file is {size:,} bytes; at most {max_bytes:,}")
            with path.open("rb") as f:  # bounded: a pipe (--data /dev/stdin) has no size to stat
                raw = f.read(max_bytes + 1)
            if len(raw) > max_bytes:
                raise InputError(f"{path}: the file is over the limit of {max_bytes:,} bytes")
        except OSError as err:
            raise InputError(f"cannot read {path}: {err.strerror or err}") from None
    if len(raw) > max_bytes:
        raise InputError(f"the file is {len(raw):,} bytes; at most {max_bytes:,}")
    if not raw.strip():
        raise InputError("the file is empty")
    if b"\0" in raw:
        raise InputError("the file is binary, not a CSV text file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("the file is not UTF-8 text (save it as CSV UTF-8)") from None

    rows = csv.reader(io.StringIO(text, newline=""))
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

    values = []
    try:
        for row in rows:
            line = rows.line_num
            if not row or all(not cell.strip() for cell in row):
                continue  # blank lines, common at the end of files
            if len(row) != width:
                raise InputError(f"row {line} has {len(row)} values; the header has {width}")
            if len(values) >= max_rows:
                raise InputError(f"the file has more than {max_rows:,} data rows")
            try:
                numbers = [float(cell) for cell in row]
            except ValueError:
                bad = next(c for c in row if not _is_number(c))
                raise InputError(f"row {line}: {_short(bad.strip())!r} is not a number") from None
            if not all(map(math.isfinite, numbers)):
                raise InputError(f"row {line}: NaN or infinity is not allowed")
            values.append(numbers)
    except csv.Error as err:
        raise InputError(f"row {rows.line_num} is not valid CSV: {err}") from None
    if not values:
        raise InputError("the file has a header but no data rows")

    table = np.array(values, dtype=float)
    target = names.index("y") if "y" in names else width - 1
    features = [i for i in range(width) if i != target]
    return Dataset(
        table[:, features],
        table[:, target].copy(),
        tuple(_short(names[i]) for i in features),
        _short(names[target]),
    )


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _short(name: str) -> str:
    return name if len(name) <= MAX_NAME else name[: MAX_NAME - 1] + "…"
