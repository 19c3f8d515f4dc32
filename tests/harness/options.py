"""Command-line options and how they become the parametrization of the checks."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import torch

from tests.harness import cases, external
from tests.harness.cases import Case
from tests.harness.external import Implementation

DEFAULT_SEEDS = "0-1"  # with the six shapes, every kink plan
FULL_SEEDS = "0-99"


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("mlp-parity", "parity harness")
    group.addoption(
        "--impl",
        default=None,
        metavar="MODULE",
        help="check only this implementation: MODULE (forward/backward on torch tensors) or "
        "numpy:MODULE (on NumPy arrays); MODULE is imported from the current directory or "
        "PYTHONPATH, or given as a path to a .py file",
    )
    group.addoption(
        "--seeds",
        default=None,
        metavar="LIST",
        help=f"case seeds, a list or range such as 0-99 or 1,5,7 (default {DEFAULT_SEEDS}; "
        f"{FULL_SEEDS} with --full)",
    )
    group.addoption(
        "--dtypes",
        default=",".join(cases.DTYPES),
        metavar="LIST",
        help=f"dtypes to check, comma-separated (default {','.join(cases.DTYPES)})",
    )
    group.addoption(
        "--devices",
        default="cpu",
        metavar="LIST",
        help="devices, comma-separated: cpu, cuda, mps, or all (every device present); "
        "a device that is absent is skipped with the reason (default cpu)",
    )
    group.addoption(
        "--full",
        action="store_true",
        help=f"the full sweep: seeds {FULL_SEEDS} (unless --seeds says otherwise), every "
        "device present",
    )
    group.addoption(
        "--slow",
        action="store_true",
        help="also run the tests marked slow (they start pytest or tox in a subprocess); "
        "--full implies it",
    )
    group.addoption(
        "--parity-report",
        default=None,
        metavar="PATH",
        help="write every comparison (check, tensor, case, errors, tolerance, headroom) as JSON",
    )


@dataclass(frozen=True)
class Selection:
    impls: tuple[Implementation, ...]
    cases: tuple[Case, ...]
    spec: str  # --impl as given, or ""
    dtypes: tuple[str, ...] = cases.DTYPES  # --dtypes, in the order of cases.DTYPES


def device_available(device: str) -> bool:
    if device == "cpu":
        return True
    if device == "cuda":
        return torch.cuda.is_available()
    if device == "mps":
        return bool(getattr(torch.backends, "mps", None)) and torch.backends.mps.is_available()
    return False


def _list(option: str, text: str, allowed: tuple[str, ...]) -> list[str]:
    items = [t.strip() for t in text.split(",") if t.strip()]
    bad = [t for t in items if t not in allowed]
    if bad or not items:
        raise pytest.UsageError(
            f"{option}={text}: expected a comma-separated list of {', '.join(allowed)}"
        )
    return list(dict.fromkeys(items))


def selection(config: pytest.Config) -> Selection:
    """Implementations and cases from the options; UsageError (one line) for bad values."""
    opt = config.getoption
    full = opt("full")
    try:
        seeds = cases.parse_seeds(opt("seeds") or (FULL_SEEDS if full else DEFAULT_SEEDS))
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    dtypes = _list("--dtypes", opt("dtypes"), cases.DTYPES)
    devices_text = opt("devices")
    if devices_text == "all" or (full and devices_text == "cpu"):
        devices = [d for d in ("cpu", "cuda", "mps") if device_available(d)]
    else:
        devices = _list("--devices", devices_text, ("cpu", "cuda", "mps"))
    spec = opt("impl") or ""
    try:
        impls = (
            (external.load(spec, str(config.invocation_params.dir)),)
            if spec
            else tuple(external.bundled())
        )
    except external.ImplementationError as exc:
        raise pytest.UsageError(str(exc)) from None
    case_list = tuple(cases.make_cases(seeds, cases.SHAPES, dtypes, devices))
    return Selection(impls, case_list, spec, tuple(d for d in cases.DTYPES if d in dtypes))


def params(sel: Selection, only_dtypes: tuple[str, ...] | None) -> list:
    """pytest.param(impl, case) for every combination, skipped with the reason where the
    combination cannot run here."""
    out = []
    for impl in sel.impls:
        for case in sel.cases:
            if only_dtypes and case.dtype not in only_dtypes:
                continue
            marks = []
            if case.dtype not in impl.dtypes:
                marks.append(
                    pytest.mark.skip(
                        reason=f"{impl.name} is a NumPy implementation: NumPy has no {case.dtype}"
                    )
                )
            elif not device_available(case.device):
                marks.append(pytest.mark.skip(reason=f"device {case.device} is not available here"))
            elif impl.kind == "numpy" and case.device != "cpu":
                marks.append(
                    pytest.mark.skip(reason=f"{impl.name} is a NumPy implementation: CPU only")
                )
            out.append(pytest.param(impl, case, id=f"{impl.name}-{case.id}", marks=marks))
    return out
