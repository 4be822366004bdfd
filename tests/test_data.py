"""gd.data: synthetic data, standardisation and CSV loading, against direct computations."""

from __future__ import annotations

import numpy as np
import pytest

from gd.data import (
    CHUNK_ROWS,
    MAX_NAME,
    column_moments,
    from_original_units,
    load_csv,
    make_regression,
    regression_chunks,
    standardize,
    to_original_units,
)
from gd.inputs import MAX_FEATURES, InputError

W = (2.0, -4.0, 0.5)


# --- synthetic data ------------------------------------------------------------------------------


def test_make_regression_is_reproducible_from_the_seed():
    a, b = make_regression(W, 1.5, 100, 0.3, 42), make_regression(W, 1.5, 100, 0.3, 42)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    c = make_regression(W, 1.5, 100, 0.3, 43)
    assert not np.allclose(a.X, c.X) and not np.allclose(a.y, c.y)
    assert a.X.shape == (100, 3) and a.y.shape == (100,) and a.X.dtype == a.y.dtype == np.float64


def test_noiseless_targets_are_the_linear_model():
    data = make_regression(W, 1.5, 50, 0.0, 1)
    for i in range(50):  # written out per sample, as the article does
        expected = sum(w * x for w, x in zip(W, data.X[i], strict=True)) + 1.5
        assert data.y[i] == pytest.approx(expected, rel=1e-14, abs=1e-14)
    assert data.names == ("x1", "x2", "x3") and data.target == "y"
    assert data.param_names == ("w1", "w2", "w3", "b")
    np.testing.assert_array_equal(data.true_theta(), [2.0, -4.0, 0.5, 1.5])
    assert (data.n, data.d, data.standardized) == (50, 3, False)


def test_features_are_standard_normal_and_noise_changes_y_but_not_x():
    n = 200_000
    quiet, noisy = make_regression(W, 1.0, n, 0.0, 9), make_regression(W, 1.0, n, 0.5, 9)
    np.testing.assert_array_equal(quiet.X, noisy.X)
    # sample mean and std of N(0, 1): standard errors 1/sqrt(n) = 0.0022 and 1/sqrt(2n) = 0.0016;
    # the bounds are ~5 standard errors, so a seeded draw fails only if the distribution is wrong
    assert np.all(np.abs(quiet.X.mean(axis=0)) < 0.011)
    np.testing.assert_allclose(quiet.X.std(axis=0), 1.0, atol=0.008)
    assert np.abs(np.corrcoef(quiet.X.T) - np.eye(3)).max() < 0.011
    residual = noisy.y - quiet.y
    assert np.all(residual != 0)
    assert residual.std() == pytest.approx(0.5, abs=0.5 * 0.008)
    assert abs(residual.mean()) < 0.5 * 0.011


def test_feature_scale_mean_and_outlier_leave_the_article_data_at_their_defaults():
    base = make_regression(W, 1.0, 20_000, 0.0, 3)
    same = make_regression(W, 1.0, 20_000, 0.0, 3, feature_scale=1.0, feature_mean=0.0, outlier=0.0)
    np.testing.assert_array_equal(base.X, same.X)
    np.testing.assert_array_equal(base.y, same.y)
    shaped = make_regression(W, 1.0, 20_000, 0.0, 3, feature_scale=100.0, feature_mean=5.0, outlier=7.0)
    # std of feature j is 100 ** (j / (d - 1)): 1, 10, 100; 5 standard errors of a sample std
    np.testing.assert_allclose(shaped.X.std(axis=0), [1.0, 10.0, 100.0], rtol=0.025)
    assert np.all(np.abs(shaped.X.mean(axis=0) - 5.0) <= 5 * np.array([1, 10, 100]) / np.sqrt(20_000))
    np.testing.assert_allclose(shaped.y[1:], shaped.X[1:] @ W + 1.0, rtol=1e-12, atol=1e-9)
    assert shaped.y[0] == pytest.approx(shaped.X[0] @ W + 1.0 + 7.0, rel=1e-12)


# --- standardisation -----------------------------------------------------------------------------


def skewed_data():
    """Features with very different centres and spreads: where standardising matters."""
    rng = np.random.default_rng(4)
    X = rng.standard_normal((300, 3)) * [100.0, 1e-3, 2.0] + [1e3, -5.0, 0.0]
    data = make_regression(W, 1.5, 300, 0.0, 4)
    return type(data)(X, X @ W + 1.5, data.names, "y", np.array(W), 1.5)


def test_standardize_gives_mean_0_std_1_columns():
    data = skewed_data()
    z = standardize(data)
    # The mean of z-scores is round-off: x - mean errs by ~eps |mean|, which dividing by the std
    # magnifies by |mean| / std (5e3 for the second column): 100 eps (1 + |mean| / std) bounds it.
    bound = 100 * np.finfo(float).eps * (1 + np.abs(data.X.mean(axis=0)) / data.X.std(axis=0))
    assert np.all(np.abs(z.X.mean(axis=0)) <= bound)
    np.testing.assert_allclose(z.X.std(axis=0), 1.0, rtol=1e-13)
    np.testing.assert_allclose(z.mean, data.X.mean(axis=0), rtol=1e-14)
    np.testing.assert_allclose(z.scale, data.X.std(axis=0), rtol=1e-14)
    np.testing.assert_allclose(z.X * z.scale + z.mean, data.X, rtol=1e-12)  # as the docstring says
    np.testing.assert_array_equal(z.y, data.y)
    assert z.standardized and z.names == data.names


def test_original_units_round_trip_and_give_the_same_predictions():
    data = skewed_data()
    z = standardize(data)
    rng = np.random.default_rng(5)
    thetas = rng.normal(0, 3, (4, 4))  # parameters on z-scores, rows of (..., d + 1)
    original = to_original_units(thetas, z.mean, z.scale)
    assert original.shape == (4, 4)
    np.testing.assert_allclose(from_original_units(original, z.mean, z.scale), thetas, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(
        to_original_units(from_original_units(thetas, z.mean, z.scale), z.mean, z.scale),
        thetas,
        rtol=1e-9,
        atol=1e-12,
    )
    for t, o in zip(thetas, original, strict=True):
        on_z = z.X @ t[:-1] + t[-1]
        on_x = data.X @ o[:-1] + o[-1]
        # the original-unit model adds terms of size |w_j x_j| ~ 1e3 |w| that cancel: round-off
        # relative to those terms, not to the prediction
        big = np.abs(data.X) @ np.abs(o[:-1]) + abs(o[-1])
        np.testing.assert_allclose(on_x, on_z, rtol=0, atol=1e-12 * big.max())
    # the true model, carried into z units, still predicts y exactly
    t = z.true_theta()
    np.testing.assert_allclose(z.X @ t[:-1] + t[-1], data.y, rtol=1e-10)


def test_constant_column_and_single_row_cannot_be_standardised():
    data = skewed_data()
    X = data.X.copy()
    X[:, 1] = 0.1  # constant; its computed std is round-off, not exactly 0
    with pytest.raises(InputError, match=r"constant column \(x2\)"):
        standardize(type(data)(X, data.y, data.names))
    one = make_regression(W, 1.0, 1)
    with pytest.raises(InputError, match="single row"):
        standardize(one)


# --- CSV ---------------------------------------------------------------------------------------


def test_load_csv_reads_header_names_and_target_y():
    data = load_csv(b"height,y,weight\n1.5,10,3\n2.5,-20,4e2\n")
    assert data.names == ("height", "weight") and data.target == "y"
    np.testing.assert_array_equal(data.X, [[1.5, 3.0], [2.5, 400.0]])
    np.testing.assert_array_equal(data.y, [10.0, -20.0])
    assert data.true_weights is None and data.true_theta() is None
    assert data.param_names == ("height", "weight", "b")
    # no column y: the last one is the target
    last = load_csv(b"a,b,price\n1,2,3\n4,5,6\n")
    assert last.names == ("a", "b") and last.target == "price"
    np.testing.assert_array_equal(last.y, [3.0, 6.0])
    # a feature called b: the bias is then called intercept
    assert load_csv(b"a,b,y\n1,2,3\n").param_names == ("a", "b", "intercept")


def test_load_csv_tolerates_what_spreadsheets_write(tmp_path):
    raw = ('\ufeff"x 1", y \r\n 1.25 ,"2"\r\n\r\n3,4\r\n\r\n').encode()  # BOM, CRLF, quotes, blanks
    data = load_csv(raw)
    assert data.names == ("x 1",) and data.target == "y"
    np.testing.assert_array_equal(data.X, [[1.25], [3.0]])
    np.testing.assert_array_equal(data.y, [2.0, 4.0])
    path = tmp_path / "data.csv"
    path.write_bytes(raw)
    from_path = load_csv(path)
    np.testing.assert_array_equal(from_path.X, data.X)
    assert load_csv(str(path)).names == data.names
    long = "n" * 100
    assert load_csv(f"{long},y\n1,2\n".encode()).names == ("n" * (MAX_NAME - 1) + "…",)


def test_load_csv_reads_every_float_exactly():
    # magnitudes from 1e-96 to 1e97, inside the +-MAX_CSV_VALUE a column may hold
    values = np.random.default_rng(8).normal(0, 1e3, (20, 3)) * 10.0 ** np.arange(-96, 96, 10)[:20, None]
    text = "a,b,y\n" + "".join(",".join(repr(v) for v in row) + "\n" for row in values.tolist())
    data = load_csv(text.encode())
    np.testing.assert_array_equal(data.X, values[:, :2])
    np.testing.assert_array_equal(data.y, values[:, 2])


def header(k):
    return ",".join(f"x{i}" for i in range(1, k + 1))


BAD_FILES = [
    ("empty", b"", "the file is empty"),
    ("whitespace", b"  \n\t\r\n ", "the file is empty"),
    ("binary", b"x,y\n1,2\x00\x07\n", "binary"),
    ("utf16", "x,y\n1,2\n".encode("utf-16"), "the file is UTF-16 text; save it as UTF-8"),
    ("latin1", "x,y\n1,2\ncaf\xe9,3\n".encode("latin-1"), "not UTF-8"),
    ("header only", b"x,y\n", "a header but no data rows"),
    ("header and blanks", b"x,y\n\n \n", "a header but no data rows"),
    ("no header", b"1,2\n3,4\n", "row 1 must be a header"),
    ("short row", b"x,y\n1,2\n3\n", "row 3 has 1 values; the header has 2"),
    ("long row", b"x,y\n1,2,3\n", "row 2 has 3 values; the header has 2"),
    ("unclosed quote", b'x,y\n"1,2\n', "row 2 has 1 values"),
    ("text cell", b"x,y\n1,2\n3,abc\n", "row 3: 'abc' is not a number"),
    ("empty cell", b"x,y\n1,\n", "row 2: '' is not a number"),
    ("formula", b"x,y\n=1+2,3\n", "row 2: '=1+2' is not a number"),
    ("nan", b"x,y\n1,nan\n", "row 2: NaN or infinity is not allowed"),
    ("inf", b"x,y\n1,2\n-Infinity,3\n", "row 3: NaN or infinity is not allowed"),
    ("huge", b"x,y\n1e999,3\n", "row 2: NaN or infinity is not allowed"),
    ("duplicate names", b"x,x,y\n1,2,3\n", "the column name 'x' appears twice"),
    ("empty name", b"x,,y\n1,2,3\n", "column 2 has no name"),
    ("blank name", b"x, ,y\n1,2,3\n", "column 2 has no name"),
    ("single column", b"y\n1\n2\n", "at least two columns"),
    ("semicolons", b"x;y\n1;2\n", "at least two columns"),
    (
        "too many columns",
        (header(MAX_FEATURES + 1) + ",y\n" + "1," * (MAX_FEATURES + 1) + "2\n").encode(),
        f"{MAX_FEATURES + 1} feature columns; at most {MAX_FEATURES}",
    ),
    ("field too large", b"x,y\n" + b"1" * 200_000 + b",2\n", "row 2 is not valid CSV"),
]


@pytest.mark.parametrize("raw, message", [(r, m) for _, r, m in BAD_FILES], ids=[i for i, _, _ in BAD_FILES])
def test_every_bad_file_is_an_input_error_that_says_what_is_wrong(raw, message, tmp_path):
    with pytest.raises(InputError) as err:
        load_csv(raw)
    assert message in str(err.value)
    assert "\n" not in str(err.value)
    path = tmp_path / "bad.csv"
    path.write_bytes(raw)
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace("+", r"\+")):
        load_csv(path)


def test_exactly_max_features_columns_is_fine():
    data = load_csv((header(MAX_FEATURES) + ",y\n" + "1," * MAX_FEATURES + "2\n").encode())
    assert data.d == MAX_FEATURES


def test_row_and_byte_limits():
    raw = b"x,y\n" + b"1,2\n" * 5
    assert load_csv(raw, max_rows=5).n == 5
    with pytest.raises(InputError, match="more than 4 data rows"):
        load_csv(raw, max_rows=4)
    assert load_csv(raw, max_bytes=len(raw)).n == 5
    with pytest.raises(InputError, match=f"the file is {len(raw)} bytes; at most {len(raw) - 1}"):
        load_csv(raw, max_bytes=len(raw) - 1)
    with pytest.raises(InputError, match="1 feature columns; at most 0"):
        load_csv(raw, max_features=0)


def test_file_problems_name_the_path(tmp_path):
    raw = b"x,y\n" + b"1,2\n" * 5
    path = tmp_path / "big.csv"
    path.write_bytes(raw)
    with pytest.raises(InputError, match=f"big.csv: the file is {len(raw)} bytes; at most 10"):
        load_csv(path, max_bytes=10)
    with pytest.raises(InputError, match="cannot read .*missing.csv: No such file"):
        load_csv(tmp_path / "missing.csv")
    with pytest.raises(InputError, match="cannot read"):
        load_csv(tmp_path)  # a directory


def test_a_pipe_is_read_no_further_than_the_byte_limit():
    # `python -m gd --data /dev/stdin`: a pipe has no size to stat, so the limit must bound the read
    # itself. The writer offers 8 MB; reading stops just past 1,000 bytes (plus what the pipe buffers).
    import os
    import threading

    read_end, write_end = os.pipe()
    written = 0

    def writer():
        nonlocal written
        chunk = b"1,2\n" * 4096
        try:
            with os.fdopen(write_end, "wb", buffering=0) as f:
                f.write(b"x,y\n")
                while written < 8 * 2**20:
                    written += f.write(chunk)
        except BrokenPipeError:
            pass

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        with pytest.raises(InputError, match="over the limit of 1,000 bytes"):
            load_csv(f"/dev/fd/{read_end}", max_bytes=1000)
    finally:
        os.close(read_end)
        thread.join(timeout=10)
    assert written < 2**20


# ---- synthetic data in blocks ----------------------------------------------------------------------


def one_draw(w, bias, samples, noise=0.0, seed=0, feature_scale=1.0, feature_mean=0.0, outlier=0.0):
    """The data as one draw of the whole, as make_regression made them before the blocks."""
    w = np.asarray(w, dtype=float)
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
    return X, y


@pytest.mark.parametrize(
    "args",
    [
        ((2, 4, 5, 9, 11), 2.0, 5000),  # the article's data
        ((2, 4, 5, 9, 11), 2.0, 5000, 0.3, 7, 10.0, -3.0, 50.0),
        ((1.5,), -1.0, 40_000, 0.5, 3, 100.0, 2.0),
        (tuple(range(1, 21)), 1.0, 3 * CHUNK_ROWS + 5, 1.0, 9),
    ],
)
def test_blocks_are_the_numbers_of_one_draw(args):
    X, y = one_draw(*args)
    data = make_regression(*args)
    np.testing.assert_array_equal(data.X, X)  # the same random stream, bit for bit
    if len(y) <= CHUNK_ROWS:
        np.testing.assert_array_equal(data.y, y)  # one BLAS product, as before
    else:
        np.testing.assert_allclose(data.y, y, rtol=4 * np.finfo(float).eps, atol=0)
    blocks = list(regression_chunks(*args, rows=1000))
    assert all(len(b) == min(1000, len(y) - 1000 * i) for i, (b, _) in enumerate(blocks))
    np.testing.assert_array_equal(np.concatenate([b for b, _ in blocks]), X)
    np.testing.assert_allclose(np.concatenate([c for _, c in blocks]), y, rtol=4 * np.finfo(float).eps)


def test_column_moments_over_blocks_equal_numpys():
    X = np.random.default_rng(3).normal(5.0, [1e-3, 1.0, 1e3], (10_001, 3)) + [1e4, 0.0, -7.0]
    mean, scale = column_moments(X[i : i + 777] for i in range(0, len(X), 777))
    np.testing.assert_allclose(mean, X.mean(axis=0), rtol=1e-14)
    # both are two-pass sums: each errs by ~eps |mean| / std relative (a 1e-7 spread around 1e4 here)
    reference = X.std(axis=0)
    bound = 10 * np.finfo(float).eps * (1 + np.abs(X.mean(axis=0)) / reference)
    assert np.all(np.abs(scale - reference) <= bound * reference)
