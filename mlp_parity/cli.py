"""The `mlp-parity` command (also `python -m mlp_parity`).

    mlp-parity check my_mlp.py --quick             # the quick check after an edit
    mlp-parity check my_mlp.py                     # a file, or a module: my_mlp, pkg.my_mlp
    mlp-parity check my_mlp --numpy                # forward/backward take NumPy arrays
    mlp-parity check my_mlp.py --dtypes float64,float32 --seeds 0-9 -n 2
    mlp-parity check my_mlp.py -- -x -k backward   # after --: pytest's own options
    mlp-parity train --epochs 20                   # python -m impl, from this repository
    mlp-parity --version

`check` runs the suite through pytest (in this process, isolated from the current project's
pytest configuration, writing nothing into it), shows pytest's output, and ends with a verdict:
per check, the tests passed, failed and skipped, and the first failure of each failing check.
Exit status: 0 every check passed, 1 a check failed or more than half of the selected tests
were skipped, 2 a usage error or a module that cannot be used (one line on stderr, no
traceback, before any check runs), 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import io
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from mlp_parity import __version__

PROG = "mlp-parity"


class UsageError(Exception):
    """A usage error; the message is one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, not argparse's usage block
        raise UsageError(f"{message} (see {self.prog} --help)")


def parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog=PROG,
        description="Check a hand-written forward and backward of f = W2 ReLU(W1 x + b1) + b2, "
        "L = 1/2 (f - y)^2 against a float64 NumPy reference, torch autograd, torch.func and "
        "finite differences.",
    )
    p.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = p.add_subparsers(dest="command", metavar="{check,train}", parser_class=_Parser)
    c = sub.add_parser(
        "check",
        help="run every check on a module",
        description="Run the check suite on MODULE's forward(x, W1, b1, W2, b2) -> (a1, h, f) "
        "and backward(x, y, a1, h, f, W1, W2) -> (dW1, db1, dW2, db2). Exit status: 0 every "
        "check passed, 1 a check failed (or most tests were skipped), 2 a usage or import "
        "error, 130 interrupted. Options after -- go to pytest.",
    )
    c.add_argument(
        "target",
        metavar="MODULE",
        help="a .py file, or a module importable from the current directory (numpy:MODULE "
        "or --numpy for NumPy arrays)",
    )
    c.add_argument("--numpy", action="store_true", help="forward/backward take NumPy arrays")
    c.add_argument("--seeds", metavar="LIST", help="case seeds, e.g. 0-9 or 1,5,7 (default 0-1)")
    c.add_argument(
        "--dtypes",
        metavar="LIST",
        help="comma-separated (default float64,float32,float16,bfloat16)",
    )
    c.add_argument(
        "--devices",
        metavar="LIST",
        help="cpu, cuda, mps or all (every device present; default cpu); an absent device is "
        "a usage error",
    )
    c.add_argument(
        "--quick",
        action="store_true",
        help="the quick check after an edit: seed 0 at float64 and float32, every check and "
        "every shape (a few seconds)",
    )
    c.add_argument("--full", action="store_true", help="seeds 0-99 on every device present (long)")
    c.add_argument(
        "--hypothesis",
        choices=("fast", "thorough"),
        help="the property tests' effort (default fast: 30 examples)",
    )
    c.add_argument("--report", metavar="PATH", help="write every comparison as JSON")
    c.add_argument(
        "--timeout",
        metavar="SECONDS",
        help="the limit on one call of the module; past it, its test fails naming the call "
        "(default 60; 0: no limit)",
    )
    c.add_argument(
        "-n",
        dest="workers",
        metavar="N",
        help="run in N processes (pytest-xdist; 'auto' for one per core)",
    )
    from mlp_parity import declaration  # the table of keys; no NumPy, no torch

    keys = c.add_argument_group(
        "a declared network (loss_and_grads, grads or sgd_step): its keys, over the module's MLP_PARITY"
    )
    for key in declaration.KEYS:
        keys.add_argument(
            f"--{key.name.replace('_', '-')}",
            dest=f"decl_{key.name}",
            metavar="VALUE",
            help=key.meaning,
        )
    c.add_argument("-q", "--quiet", action="count", default=0, help="less of pytest's output")
    c.add_argument("-v", "--verbose", action="count", default=0, help="one line per test")
    sub.add_parser(
        "train",
        help="python -m impl: the trainer of an mlp-parity checkout (the seed notebook's run), "
        "with its options; run it from the checkout, it is not installed with the package",
        add_help=False,
    )
    return p


def _fail(message: str) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return 2


def _as_cli(message: str) -> str:
    """The plugin's message in this command's terms: --parity-dtypes is --dtypes here; pytest's
    own options are those after --."""
    if message.startswith("pytest: "):
        return f"{message} (the options after -- are pytest's)"
    return message.replace("--parity-impl=", "", 1).replace("--parity-", "--")


def main(argv: Sequence[str] | None = None) -> int:
    """The command; `argv` None: this process's own arguments, and a `check` ends the
    process itself once its output is flushed (without tearing the interpreter down, which
    costs a third of a second once torch is loaded)."""
    if argv is None:
        status = _main(sys.argv[1:])
        if sys.argv[1:2] == ["check"]:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(status)
        return status
    return _main(argv)


def _main(argv: Sequence[str]) -> int:
    argv = list(argv)
    if argv[:1] == ["train"]:  # every argument is the trainer's, --help included
        return train(argv[1:])
    head, extra = argv, []
    if argv[:1] == ["check"] and "--" in argv:
        cut = argv.index("--")
        head, extra = argv[:cut], argv[cut + 1 :]
    try:
        ns = parser().parse_args(head)
    except UsageError as exc:
        return _fail(str(exc))
    if ns.command == "check":
        return check(ns, extra)
    parser().print_help()
    return 2


def _spec(target: str, numpy: bool) -> str:
    if numpy and not target.startswith("numpy:"):
        return f"numpy:{target}"
    return target


def check(ns: argparse.Namespace, extra: Sequence[str]) -> int:
    if ns.workers is not None and importlib.util.find_spec("xdist") is None:
        return _fail("-n needs pytest-xdist (pip install pytest-xdist), or leave -n out")
    from mlp_parity import api

    parity = api.pytest_args(
        _spec(ns.target, ns.numpy),
        seeds=ns.seeds,
        dtypes=ns.dtypes,
        devices=ns.devices,
        full=ns.full,
        quick=ns.quick,
        hypothesis=ns.hypothesis,
        report=ns.report,
        timeout=ns.timeout,
        declaration={
            k.removeprefix("decl_"): v
            for k, v in vars(ns).items()
            if k.startswith("decl_") and v is not None
        },
    )
    # pytest's tracebacks and list of failed tests are left to the verdict below (which
    # shows the first failure in full); `-- --tb=short -rf` brings them back.
    options = ["--tb=no", "-rN", *(["-n", ns.workers] if ns.workers else [])]
    options += ["-q"] * ns.quiet + ["-v"] * ns.verbose
    errors = io.StringIO()  # pytest's usage errors, to be said in one line
    with contextlib.redirect_stderr(errors):
        status, result, _ = api.run(parity, [*options, *extra], quiet=False)
    if status == api.USAGE:
        return _fail(_as_cli(api.one_line_error(status, errors.getvalue())))
    sys.stderr.write(errors.getvalue())
    if status == api.INTERRUPTED:
        ran = sum(c.passed + c.failed for c in result.counts) if result is not None else 0
        print(f"{PROG}: interrupted (Ctrl-C) after {ran} tests: no verdict", file=sys.stderr)
        return 130  # as a shell reports a command ended by Ctrl-C (128 + SIGINT)
    if result is None or status not in (0, 1):
        return _fail(api.one_line_error(status, errors.getvalue()))
    print()
    print("\n".join(result.verdict_lines(diagnosis=False)))  # pytest's output ends with it
    return 0 if result.passed else 1


def train(argv: Sequence[str]) -> int:
    """`python -m impl` with these arguments, where this repository's `impl` is importable
    (from the current directory, as `python -m` would find it)."""
    here = os.getcwd()
    if here not in sys.path:
        sys.path.insert(0, here)
    spec = importlib.util.find_spec("impl")
    locations = (spec.submodule_search_locations or []) if spec else []
    if not any(Path(loc, "__main__.py").is_file() for loc in locations):
        return _fail(
            "train runs this repository's trainer (python -m impl), which is not installed "
            "with the package: run it from a checkout of mlp-parity"
        )
    trainer = importlib.import_module("impl.__main__")
    return int(trainer.main(list(argv)) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
