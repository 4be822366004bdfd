"""`python -m gd`: the article's experiment in a terminal, and the trajectory as CSV.

Exit codes: 0 done; 2 bad input (one line `error: ...` on stderr); 3 the run diverged.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings

from gd import explain
from gd.data import load_csv
from gd.explain import MIN_RATE, STANDARDISE_CLI
from gd.export import trajectory_csv
from gd.inputs import (
    CHOICES,
    RANGES,
    InputError,
    Settings,
    parse_start,
    parse_weights,
)
from gd.run import Experiment, check_scales, experiment

# Options that take a value; "--weights -1,2" is joined to "--weights=-1,2" so that a negative
# value is not mistaken for an option (argparse only recognises plain negative numbers).
_VALUED = (
    "--weights",
    "--start",
    "--data",
    "--target",
    "--csv",
    "--every",
    *(f"--{name}" for name in CHOICES),
    *(rng.flag for rng in RANGES.values()),
)
# The help of each input chosen from a registry table (gd.inputs.CHOICES): what it is, a last word.
_CHOICE_HELP = {
    "optimizer": ("update rule", ""),
    "schedule": (
        "learning-rate schedule, as torch.optim.lr_scheduler's",
        ". linesearch, newton and cg have no learning rate: --lr and --schedule leave them as they are",
    ),
}


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, no usage dump: the contract of exit code 2
        raise InputError(message)


def _number(name: str):
    rng = RANGES[name]

    def parse(text):
        try:
            return rng.parse(text)
        except InputError as err:
            raise argparse.ArgumentTypeError(str(err).removeprefix(rng.label + " ")) from None

    parse.__name__ = rng.flag  # argparse names the type in its messages
    return parse


def _numbers(parse_text, what: str):
    """An argparse type from a gd.inputs parser of comma-separated numbers, whose messages
    begin with `what` (argparse names the flag itself)."""

    def parse(text):
        try:
            return parse_text(text)
        except InputError as err:
            raise argparse.ArgumentTypeError(str(err).removeprefix(what + ": ")) from None

    return parse


_weights = _numbers(parse_weights, "true weights")
_start = _numbers(parse_start, "start")


def _every(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {value}")
    return value


def _bounds(rng) -> str:
    return f"{rng.bottom} and {rng.top}"


def parser() -> argparse.ArgumentParser:
    d = Settings()
    p = _Parser(
        prog="python -m gd",
        allow_abbrev=False,
        description="Gradient descent on linear regression, as in 'The Mathematics Behind "
        "Gradient Descent'. The defaults are the article's run.",
    )
    p.add_argument(
        "--weights",
        type=_weights,
        default=d.true_weights,
        metavar="W1,W2,...",
        help="true weights, comma-separated (default 2,4,5,9,11)",
    )
    p.add_argument(
        "--start",
        type=_start,
        default=d.start,
        metavar="W1,...,WD,B",
        help="initial parameters theta_0, one per weight and the bias last (default zeros)",
    )
    for name, rng in RANGES.items():  # every numeric input, with the app's names, ranges and help
        default = getattr(d, name)
        p.add_argument(
            rng.flag,
            type=_number(name),
            default=default,
            dest=name,
            metavar=rng.flag.removeprefix("--").upper().replace("-", "_"),
            help=rng.help + ("" if default is None else f" (default {default:g})") + f"; {_bounds(rng)}",
        )
    p.add_argument(
        "--data",
        metavar="FILE.csv",
        help="learn from a CSV instead: a header row, target column y (else the last)",
    )
    p.add_argument(
        "--target",
        default=d.target,
        metavar="COLUMN",
        help="the CSV's target column by name (default: the column y, else the last one)",
    )
    p.add_argument("--standardize", action="store_true", help="use z-scores of the features")
    for name, labels in CHOICES.items():  # --optimizer, --schedule: each registry table's names
        what, note = _CHOICE_HELP[name]
        default = getattr(d, name)
        p.add_argument(
            f"--{name}",
            choices=tuple(labels),
            default=default,
            help=f"{what} (default {default}): "
            + "; ".join(f"{n}, {label}" for n, label in labels.items())
            + note,
        )
    p.add_argument(
        "--csv",
        metavar="FILE|-",
        help="write the trajectory (step,loss,w1..wd,b) to FILE, or to stdout with -",
    )
    p.add_argument(
        "--every", type=_every, default=1, metavar="K", help="print every K-th iteration (and the last)"
    )
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    return p


def _join_negative_values(argv: list[str]) -> list[str]:
    out, i = [], 0
    while i < len(argv):
        if (
            argv[i] in _VALUED
            and i + 1 < len(argv)
            and argv[i + 1].startswith("-")
            and argv[i + 1] != "-"
            and not argv[i + 1].startswith("--")
        ):
            out.append(f"{argv[i]}={argv[i + 1]}")
            i += 2
        else:
            out.append(argv[i])
            i += 1
    return out


def iteration_lines(ex: Experiment, every: int = 1):
    """The article's print, for i = 0..T-1: w and b after update i + 1, the loss before it."""
    params, loss = ex.trajectory.params, ex.trajectory.loss
    last = len(loss) - 2
    for i in range(last + 1):
        if i % every == 0 or i == last:
            w, b = params[i + 1, :-1], params[i + 1, -1]
            yield f"iteration {i}: w = {w},b = {b}, loss = {loss[i]}"


def summary(ex: Experiment) -> str:
    """Learned against true against least-squares parameters, and what the run reached."""
    tr, pb = ex.trajectory, ex.problem
    cols = ["learned", "true", "least squares"]
    rows = [
        (name, tr.params[-1, i], None if ex.true_theta is None else ex.true_theta[i], pb.theta_star[i])
        for i, name in enumerate(ex.names)
    ]
    width = max(len(n) for n in ex.names + ("parameter",))
    lines = [
        f"after {tr.steps:,} step{'s' * (tr.steps != 1)} of {ex.settings.optimizer} (learning rate "
        f"{ex.settings.learning_rate:g}):",
        f"{'parameter':<{width}}  " + "  ".join(f"{c:>16}" for c in cols),
    ]
    for name, *values in rows:
        cells = ["-" if v is None else f"{v:.10g}" for v in values]
        lines.append(f"{name:<{width}}  " + "  ".join(f"{c:>16}" for c in cells))
    if ex.scale is not None:
        original = ex.in_original_units(tr.params[-1])
        lines.append(
            "in the original units of the features: "
            + ", ".join(f"{n} = {v:.10g}" for n, v in zip(ex.names, original, strict=True))
        )
    lines.append(
        f"loss {tr.loss[-1]:.6g} (least possible {pb.loss_star:.6g}); "
        f"condition number {pb.condition_number:.4g}"
        + (
            f"; the data are rank-deficient (rank {pb.rank} of {pb.p}): many parameters reach the least loss"
            if pb.rank_deficient
            else ""
        )
    )
    return "\n".join(lines)


def divergence_message(ex: Experiment) -> str:
    """The exit-3 line: the step, the rate and the stability limit (or that there is none), and
    the advice that follows from the cause where it is known (gd.explain.divergence_advice's)."""
    s, limit = ex.settings, ex.limit
    msg = f"error: the run diverged at step {ex.trajectory.diverged_at}"
    if not s.has_rate:  # the page's words: no rate to lower, and what went out of range
        return msg + "; " + explain.divergence_advice(ex).removesuffix(".")
    msg += f" with learning rate {s.learning_rate:g}"
    if limit is None:
        msg += f" ({s.optimizer} has no fixed stability limit)"
    elif s.minibatch:
        msg += (
            f" (the full-batch stability limit is {explain.limit_text(limit, 6)}; "
            "mini-batches can diverge below it)"
        )
    else:
        msg += f", past {s.optimizer}'s stability limit {explain.limit_text(limit, 6)}"
    if explain.eps_at_zero(ex):
        return msg + "; " + explain.eps_advice(ex)
    if limit is not None and limit <= MIN_RATE:
        msg += f"; the smallest learning rate allowed ({MIN_RATE:g}) is above it: "
        if explain.ridge_sets_limit(ex):
            return msg + explain.ridge_advice(ex, cli=True)
        if s.standardize:
            return msg.removesuffix(": ")
        return msg + STANDARDISE_CLI
    return msg + "; try a smaller learning rate"


def _refuse_empty(args) -> None:
    """`--data ''` and `--csv ''` name no file: refused as `--weights ''` is, not ignored."""
    for flag, value in (("--data", args.data), ("--csv", args.csv)):
        if value is not None and not value.strip():
            raise InputError(f"argument {flag}: give a file name, got an empty one")
    if args.target and not args.data:  # the synthetic data's target is their own y
        raise InputError("argument --target: it names a column of a CSV; give the file with --data")


def _compute(argv: list[str]):
    """Parse, read the data and run: (args, experiment). A numpy warning on the way (overflow,
    invalid value) becomes an InputError: the contract is one `error:` line on stderr."""
    args = parser().parse_args(_join_negative_values(argv))
    _refuse_empty(args)
    settings = Settings(
        true_weights=args.weights,
        start=args.start,
        target=args.target,
        standardize=args.standardize,
        **{name: getattr(args, name) for name in CHOICES},
        **{name: getattr(args, name) for name in RANGES},
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        try:
            data = load_csv(args.data, target=settings.validated().target) if args.data else None
            ex = experiment(settings, data)
            check_scales(ex)
            return args, ex
        except RuntimeWarning as warning:
            raise InputError(
                f"the numbers went out of float64's range ({warning}); rescale the data"
            ) from None


def _write(args, ex: Experiment) -> None:
    """The iteration lines and summary, then the CSV; OSError carries the destination's name."""
    quiet = args.quiet or args.csv == "-"
    if not quiet or args.csv == "-":
        out = sys.stdout
        if out is None:  # started with standard output closed (`>&-`)
            raise _WriteError("standard output", "it is closed")
        try:
            if not quiet:
                out.writelines(line + "\n" for line in iteration_lines(ex, args.every))
                if ex.trajectory.diverged_at is None:
                    print(summary(ex), file=out)
            if args.csv == "-":
                out.write(trajectory_csv(ex.trajectory, ex.d))
            out.flush()
        except BrokenPipeError:
            raise
        except (OSError, ValueError) as err:  # ValueError: a closed file
            raise _WriteError("standard output", getattr(err, "strerror", None) or str(err)) from None
    if args.csv and args.csv != "-":
        try:
            with open(args.csv, "w", newline="") as f:
                f.write(trajectory_csv(ex.trajectory, ex.d))
        except OSError as err:
            raise _WriteError(args.csv, err.strerror or str(err)) from None


class _WriteError(Exception):
    def __init__(self, target: str, reason: str):
        super().__init__(f"error: cannot write to {target}: {reason}")


def _stdout_to_devnull() -> None:
    """Point standard output at /dev/null so that the interpreter's last flush of what is still
    buffered neither fails again nor prints a traceback of its own."""
    sys.stdout = None
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
    except OSError:
        pass


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        try:
            args, ex = _compute(argv)
        except InputError as err:
            message = str(err)
            print(message if message.startswith("error:") else f"error: {message}", file=sys.stderr)
            return 2
        try:
            _write(args, ex)
        except BrokenPipeError:  # `python -m gd | head`: the reader left; not an error of ours
            _stdout_to_devnull()
            return 0
        except _WriteError as err:
            if "standard output" in str(err):
                _stdout_to_devnull()
            print(err, file=sys.stderr)
            return 2
    except KeyboardInterrupt:  # Ctrl-C, while reading a pipe or running: one line, no traceback
        print("error: interrupted", file=sys.stderr)
        return 130
    if ex.trajectory.diverged_at is not None:
        print(divergence_message(ex), file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
