"""The --parity-* options (declared in `mlp_parity.plugin`) and how they become the
parametrization of the checks."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

from mlp_parity import cases, external, preflight, timeouts
from mlp_parity.cases import Case
from mlp_parity.external import Implementation

DEFAULT_SEEDS = "0-1"  # with the seven shapes, every kink plan and every family
FULL_SEEDS = "0-99"
# --parity-quick: one seed, the two dtypes a learner computes in, every check and shape
QUICK_SEEDS, QUICK_DTYPES = "0", ("float64", "float32")
DEVICES = ("cpu", "cuda", "mps")


@dataclass(frozen=True)
class Selection:
    impls: tuple[Implementation, ...]
    cases: tuple[Case, ...]  # the seed network's; a declared network's come from `net_cases`
    dtypes: tuple[str, ...] = cases.DTYPES  # --parity-dtypes, in the order of cases.DTYPES
    hypothesis: str = "fast"  # --parity-hypothesis
    timeout: float | None = timeouts.DEFAULT  # --parity-timeout: seconds per call (None: none)
    quick: bool = False  # --parity-quick
    seeds: tuple[int, ...] = (0, 1)
    devices: tuple[str, ...] = ("cpu",)

    def net_cases(self, impl: Implementation) -> list:
        """The cases of a declared network's module (`network_cases`)."""
        from mlp_parity import network_cases

        return network_cases.make_cases(impl.declared.net, self.seeds, self.dtypes, self.devices)


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
    full, quick = bool(opt("parity_full")), bool(opt("parity_quick"))
    if full and quick:
        raise pytest.UsageError(
            "--parity-quick and --parity-full: choose one (the quick check after an edit, or "
            "the full sweep)"
        )
    try:
        default = FULL_SEEDS if full else QUICK_SEEDS if quick else DEFAULT_SEEDS
        seeds = cases.parse_seeds(opt("parity_seeds") or default, "--parity-seeds")
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    default = QUICK_DTYPES if quick else cases.DTYPES
    dtypes = _list("--parity-dtypes", opt("parity_dtypes") or ",".join(default), cases.DTYPES)
    devices_text = opt("parity_devices") or "cpu"
    present = [d for d in DEVICES if device_available(d)]
    if devices_text == "all" or (full and not opt("parity_devices")):
        devices = present
    else:
        devices = _list("--parity-devices", devices_text, DEVICES)
        absent = [d for d in devices if d not in present]
        if absent:  # every test there would be skipped: a run that checks nothing
            raise pytest.UsageError(
                f"--parity-devices={devices_text}: {', '.join(absent)} "
                f"{'is' if len(absent) == 1 else 'are'} not available here (available: "
                f"{', '.join(present)}); a run there would check nothing"
            )
    check_report_path(opt("parity_report"))
    try:
        limit = timeouts.parse(opt("parity_timeout") or str(timeouts.DEFAULT))
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    with timeouts.limited(limit):  # the preflight's calls too
        impls = load_all(config)
    chosen = tuple(d for d in cases.DTYPES if d in dtypes)
    for impl in impls:
        _something_to_check(impl, chosen, devices)
    case_list = tuple(cases.make_cases(seeds, cases.SHAPES, dtypes, devices))
    return Selection(
        impls,
        case_list,
        chosen,
        opt("parity_hypothesis") or "fast",
        limit,
        quick,
        tuple(seeds),
        tuple(devices),
    )


def check_report_path(path: str | None) -> None:
    """--parity-report: a file that can be written, said before anything runs (not after the
    whole suite, as a traceback)."""
    if not path:
        return
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise pytest.UsageError(
            f"--parity-report={path}: is a folder; give the path of a file to write"
        )
    if not folder.is_dir():
        raise pytest.UsageError(
            f"--parity-report={path}: there is no folder {folder} to write the report in"
        )
    if not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise pytest.UsageError(f"--parity-report={path}: cannot write there (no permission)")


def _something_to_check(impl: Implementation, dtypes: tuple[str, ...], devices) -> None:
    """A selection that leaves an implementation nothing to run is a usage error, as an
    absent device is: its every test would be skipped."""
    if impl.kind != "numpy":
        return
    if not any(d in impl.dtypes for d in dtypes):
        usable = ", ".join(d for d in cases.DTYPES if d in impl.dtypes)
        raise pytest.UsageError(
            f"--parity-dtypes={','.join(dtypes)}: nothing to check for {impl.name}: it is a "
            f"NumPy implementation, and NumPy has no {' or '.join(dtypes)} (choose from {usable})"
        )
    if "cpu" not in devices:
        raise pytest.UsageError(
            f"--parity-devices={','.join(devices)}: nothing to check for {impl.name}: it is a "
            "NumPy implementation, which runs on the CPU only (add cpu)"
        )


def load_all(config: pytest.Config) -> tuple[Implementation, ...]:
    """--parity-impl (each relative to the directory pytest was started in), else the ini
    setting parity_impl (relative to the rootdir). Two that would get the same test ids are
    refused: every test id must say which module it checked."""
    if config.getoption("parity_impl"):
        specs, base = config.getoption("parity_impl"), config.invocation_params.dir
    else:
        specs, base = config.getini("parity_impl"), config.rootpath
    impls: list[Implementation] = []
    overrides = declaration_options(config)
    for spec in dict.fromkeys(specs):
        _refuse_non_module(spec, Path(base))
        try:
            impl = external.load(spec, str(base), overrides)
            preflight.check_implementation(impl)  # its forms, once, before any check
        except external.ImplementationError as exc:
            raise pytest.UsageError(str(exc)) from None
        except preflight.PreflightError as exc:
            raise pytest.UsageError(f"--parity-impl={spec}: {exc}") from None
        clash = next((i for i in impls if i.name == impl.name), None)
        if clash is not None:
            raise pytest.UsageError(
                f"--parity-impl={spec}: another implementation, --parity-impl={clash.spec}, "
                f"is also named {impl.name!r}; the test ids would not tell them apart "
                "(check them in two runs, or rename one)"
            )
        impls.append(impl)
    return tuple(impls)


def declaration_options(config: pytest.Config) -> dict:
    """The declaration keys given as options (--parity-hidden tanh, ...), as strings: the
    declaration parses them (`mlp_parity.declaration`)."""
    from mlp_parity import declaration

    out = {}
    for key in declaration.BY_KEY:
        value = config.getoption("parity_" + key)
        if value is not None:
            out[key] = value.split(",") if key == "hidden" and "," in value else value
    return out


_MODULE_NAME = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")


def _refuse_non_module(spec: str, base: Path) -> None:
    """A spec that is neither a .py file nor a module name (a folder, `.`): said in one line,
    not as importlib's complaint about a relative import."""
    target = spec.split(":", 1)[1] if spec.startswith(("numpy:", "torch:")) else spec
    if not target or target.endswith(".py") or _MODULE_NAME.fullmatch(target):
        return
    if (base / target).is_dir():
        raise pytest.UsageError(
            f"--parity-impl={spec}: is a folder; name a .py file (such as my_mlp.py) or a "
            "module (such as my_mlp) that has forward and backward"
        )
    raise pytest.UsageError(
        f"--parity-impl={spec}: is neither a .py file nor a module name (such as my_mlp or "
        "pkg.my_mlp)"
    )


def params(
    sel: Selection,
    only_dtypes: tuple[str, ...] | None,
    impls: tuple[Implementation, ...] | None = None,
    check: str = "",
) -> list:
    """pytest.param(impl, case) for every combination, skipped with the reason where the
    combination cannot run here; none for a declared module that `check` has nothing to
    check in (`network_checks.not_applicable`)."""
    from mlp_parity import network_checks

    out = []
    for impl in sel.impls if impls is None else impls:
        declared = impl.declared is not None and bool(check)
        why = network_checks.not_applicable(impl, check) if declared else ""
        if why:  # one test that says why, rather than none at all
            skip = pytest.mark.skip(reason=f"{check} does not apply to {impl.name}: {why}")
            out.append(pytest.param(impl, None, id=f"{impl.name}-not-applicable", marks=[skip]))
            continue
        if only_dtypes and not any(d in only_dtypes for d in sel.dtypes):
            # one test that says why, rather than pytest's "got empty parameter set"
            reason = (
                f"these checks run at {' and '.join(only_dtypes)} only, and "
                f"{' and '.join(only_dtypes)} is not among the dtypes selected"
            )
            skip = pytest.mark.skip(reason=reason)
            out.append(pytest.param(impl, None, id=f"{impl.name}-not-run", marks=[skip]))
            continue
        for case in sel.cases if impl.declared is None else sel.net_cases(impl):
            if declared and not network_checks.case_applies(check, case):
                continue
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
