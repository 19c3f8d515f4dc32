"""The pytest plugin (entry point `pytest11`), inert until asked.

Loading it imports nothing but pytest: it adds the `--parity-*` options and the `parity_impl`
ini setting, and nothing else happens in a run that uses neither. When an implementation is
named (`--parity-impl=MODULE`, or `parity_impl` in the ini file), it registers the session
plugin (`mlp_parity.session`), which imports torch and NumPy, parametrizes the check suite
(`mlp_parity/suite/`) and adds it to the collection:

* `--parity-impl` on the command line and no paths: the suite alone is collected;
* `parity_impl` from the ini file (a project that checks its own modules on every run) and no
  paths: the suite is collected beside the project's own tests (testpaths);
* explicit paths: those paths only (add `--pyargs mlp_parity.suite` for the suite).
"""

from __future__ import annotations

import pytest

OPTIONS = (
    "parity_seeds",
    "parity_dtypes",
    "parity_devices",
    "parity_full",
    "parity_quick",
    "parity_report",
    "parity_hypothesis",
    "parity_timeout",
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mlp-parity", "mlp-parity: check a hand-written backward")
    group.addoption(
        "--parity-impl",
        action="append",
        default=None,
        metavar="MODULE",
        help="check this implementation: MODULE (forward/backward on torch tensors), "
        "numpy:MODULE (on NumPy arrays), or a path to a .py file; imported as Python would "
        "run it, from the current directory. Give it twice to check two modules.",
    )
    group.addoption(
        "--parity-seeds",
        default=None,
        metavar="LIST",
        help="case seeds, a list or range such as 0-99 or 1,5,7 (default 0-1; 0-99 with "
        "--parity-full)",
    )
    group.addoption(
        "--parity-dtypes",
        default=None,
        metavar="LIST",
        help="dtypes to check, comma-separated (default float64,float32,float16,bfloat16)",
    )
    group.addoption(
        "--parity-devices",
        default=None,
        metavar="LIST",
        help="devices, comma-separated: cpu, cuda, mps, or all (every device present); "
        "naming a device that is absent here is a usage error (default cpu)",
    )
    group.addoption(
        "--parity-full",
        action="store_true",
        default=False,
        help="the full sweep: seeds 0-99 (unless --parity-seeds says otherwise), every device "
        "present",
    )
    group.addoption(
        "--parity-quick",
        action="store_true",
        default=False,
        help="the quick check to run after every edit: seed 0 at float64 and float32, every "
        "check and every shape (unless --parity-seeds or --parity-dtypes say otherwise)",
    )
    group.addoption(
        "--parity-report",
        default=None,
        metavar="PATH",
        help="write every comparison (check, tensor, case, errors, tolerance, headroom) and the "
        "diagnosis as JSON",
    )
    group.addoption(
        "--parity-hypothesis",
        default=None,
        choices=("fast", "thorough"),
        help="the property tests' effort: fast (30 examples, the default) or thorough (300); "
        "both derandomised, with no example database written",
    )
    group.addoption(
        "--parity-timeout",
        default=None,
        metavar="SECONDS",
        help="the limit on one call of the module: a call that has not returned after SECONDS "
        "fails its test, naming the call (default 60; 0: no limit)",
    )
    from mlp_parity import declaration  # the table of keys; no NumPy, no torch

    for key in declaration.KEYS:
        group.addoption(
            f"--parity-{key.name.replace('_', '-')}",
            dest=f"parity_{key.name}",
            default=None,
            metavar="VALUE",
            help=f"declared networks: {key.meaning} (overrides the module's MLP_PARITY)",
        )
    parser.addini(
        "parity_impl",
        type="args",
        default=[],
        help="mlp-parity: implementations to check when --parity-impl is not given",
    )


def requested(config: pytest.Config) -> list[str]:
    """The implementations asked for: --parity-impl, else the ini setting."""
    return list(config.getoption("parity_impl") or config.getini("parity_impl") or [])


def pytest_configure(config: pytest.Config) -> None:
    if not requested(config):
        from mlp_parity import declaration

        names = (*OPTIONS, *(f"parity_{k.name}" for k in declaration.KEYS))
        given = [o for o in names if config.getoption(o) not in (None, False)]
        if given:
            flag = "--" + given[0].replace("_", "-")
            raise pytest.UsageError(
                f"{flag} needs an implementation to check: add --parity-impl=MODULE"
            )
        return
    from mlp_parity import session  # torch and NumPy from here on

    config.pluginmanager.register(session.ParitySession(config), session.PLUGIN_NAME)
