"""What the tests read the page's output against, written independently of the browser's module:
`compact` (the number format of the panel's metric boxes, static/live.js's `compact`) and `unpack`
(the inverse of panel.pack, to read what an element sends the browser). Only tests use them, so
they live here rather than in the app."""

from __future__ import annotations

import json
import math


def compact(x: float) -> str:
    """A number short enough for a metric's box, as the browser module writes it: 4 significant
    digits from 0.001 to 10,000 (0.2035, 12.35), whole numbers with separators below a million
    (51,631), otherwise 3 significant digits in scientific notation (2.20e-15, 3.17e12)."""
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    a = abs(x)
    if a == 0:
        return "0"
    if 1e-3 <= a < 1e4 and "e" not in (text := f"{x:.4g}"):
        return text
    if 1e-3 <= a < 1e6:  # 9999.5 rounds to 10,000: written as the whole numbers past it are
        return f"{x:,.0f}"
    mantissa, exponent = f"{x:.2e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def unpack(data: bytes) -> tuple[dict, bytes]:
    """panel.pack's inverse: an element's head (one line of JSON) and its body."""
    head, _, body = bytes(data).partition(b"\n")
    return json.loads(head), body
