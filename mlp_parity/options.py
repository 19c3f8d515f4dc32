"""The --parity-* options (declared in `mlp_parity.plugin`) and how they become the
parametrization of the checks."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import torch

from mlp_parity import cases, external
from mlp_parity.cases import Case
from mlp_parity.external import Implementation

DEFAULT_SEEDS = "0-1"  # with the seven shapes, every kink plan and every family
FULL_SEEDS = "0-99"


@dataclass(frozen=True)
class Selection:
    impls: tuple[Implementation, ...]
    cases: tuple[Case, ...]  # the seed network's; a declared network's come from `net_cases`
    dtypes: tuple[str, ...] = cases.DTYPES  # --parity-dtypes, in the order of cases.DTYPES
    hypothesis: str = "fast"  # --parity-hypothesis
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
    full = opt("parity_full")
    try:
        text = opt("parity_seeds") or (FULL_SEEDS if full else DEFAULT_SEEDS)
        seeds = cases.parse_seeds(text, "--parity-seeds")
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    dtypes = _list("--parity-dtypes", opt("parity_dtypes") or ",".join(cases.DTYPES), cases.DTYPES)
    devices_text = opt("parity_devices") or "cpu"
    if devices_text == "all" or (full and not opt("parity_devices")):
        devices = [d for d in ("cpu", "cuda", "mps") if device_available(d)]
    else:
        devices = _list("--parity-devices", devices_text, ("cpu", "cuda", "mps"))
    impls = load_all(config)
    case_list = tuple(cases.make_cases(seeds, cases.SHAPES, dtypes, devices))
    chosen = tuple(d for d in cases.DTYPES if d in dtypes)
    return Selection(
        impls, case_list, chosen, opt("parity_hypothesis") or "fast", tuple(seeds), tuple(devices)
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
        try:
            impl = external.load(spec, str(base), overrides)
        except external.ImplementationError as exc:
            raise pytest.UsageError(str(exc)) from None
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
        if declared and network_checks.not_applicable(impl, check):
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
