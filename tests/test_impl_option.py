"""`pytest --parity-impl=...`: a user's module is loaded, checked alone, and bad modules or
options get a one-line error, not a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from mlp_parity import cases, checks, external, options

ROOT = Path(__file__).resolve().parents[1]


def _pytest(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "0", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.slow
def test_impl_checks_only_that_module():
    result = _pytest(
        "--parity-impl=examples.seed_notebook",
        "--parity-dtypes=float64,float32",
        "--parity-seeds=0",
        "-v",
        "-k",
        "(test_forward or test_backward) and d2h4b8",
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    ran = [line for line in result.stdout.splitlines() if " PASSED" in line]
    assert ran and all("[examples.seed_notebook-seed0-d2h4b8-" in line for line in ran), ran
    assert "[reference-" not in result.stdout and "[impl-" not in result.stdout


@pytest.mark.slow
def test_the_same_module_given_twice_runs_each_test_once():
    args = ("--parity-impl=tests.mutants._correct", "--parity-dtypes=float64", "--parity-seeds=0")
    result = _pytest(*args, args[0], "-v", "-k", "test_backward and d2h4b8")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    ran = [line.split()[0] for line in result.stdout.splitlines() if " PASSED" in line]
    assert len(ran) == 2 and len(set(ran)) == 2, (
        ran
    )  # test_backward and test_kink_convention (in test_backward.py), once each


@pytest.mark.slow
def test_unimportable_module_is_a_one_line_usage_error():
    result = _pytest("--parity-impl=no_such_module")
    assert result.returncode == 4  # pytest's usage error
    assert (
        "ERROR: --parity-impl=no_such_module: cannot import no_such_module: "
        "ModuleNotFoundError: No module named 'no_such_module'" in result.stderr
    ), result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.slow
def test_numpy_module_without_prefix_is_said_once():
    result = _pytest("--parity-impl=tests.reformulations.numpy_einsum")
    assert result.returncode == 4, result.stdout[-2000:] + result.stderr[-2000:]
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "use numpy:tests.reformulations.numpy_einsum" in lines[0], lines


def test_module_without_backward_is_named(tmp_path):
    (tmp_path / "half_done.py").write_text("def forward(x, W1, b1, W2, b2):\n    pass\n")
    with pytest.raises(
        external.ImplementationError,
        match=r"^--parity-impl=half_done: module half_done \(.*half_done.py\) has no function 'backward'; it needs",
    ):
        external.load("half_done", cwd=str(tmp_path))


def test_module_that_fails_to_import_is_named(tmp_path):
    (tmp_path / "broken.py").write_text("import numpy\nraise RuntimeError('oops\\nmore')\n")
    with pytest.raises(
        external.ImplementationError,
        match=r"^--parity-impl=broken: cannot import broken: RuntimeError: oops$",
    ):
        external.load("broken", cwd=str(tmp_path))


def test_module_that_switches_on_flush_to_zero_at_import_is_refused(tmp_path):
    """Flush-to-zero is the process's: the harness's float64 references would be flushed too
    and agree with the module. It is switched off again, and every load says so."""
    (tmp_path / "ftz.py").write_text(
        "import torch\ntorch.set_flush_denormal(True)\n"
        "def forward(x, W1, b1, W2, b2): pass\ndef backward(x, y, a1, h, f, W1, W2): pass\n"
    )
    for _ in range(2):
        with pytest.raises(
            external.ImplementationError,
            match=r"^--parity-impl=ftz: importing ftz switched on flush-to-zero ",
        ):
            external.load("ftz", cwd=str(tmp_path))
        assert not external.flushes_subnormals()


def test_package_whose_functions_fail_to_load_on_first_use_is_named(tmp_path):
    """A package that imports its functions lazily (a module __getattr__, as the bundled `impl`
    does) fails at load, in one line, and not inside pytest's configuration as a traceback."""
    pkg = tmp_path / "lazy_pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(
        "def __getattr__(name):\n"
        "    if name in ('forward', 'backward'):\n"
        "        from lazy_pkg import mlp\n"
        "        return getattr(mlp, name)\n"
        "    raise AttributeError(name)\n"
    )
    (pkg / "mlp.py").write_text("import not_installed_anywhere\n")
    with pytest.raises(
        external.ImplementationError,
        match=r"^--parity-impl=lazy_pkg: cannot import lazy_pkg: forward failed to load: "
        r"ModuleNotFoundError: No module named 'not_installed_anywhere'$",
    ):
        external.load("lazy_pkg", cwd=str(tmp_path))


def test_path_to_a_file_and_numpy_prefix(tmp_path):
    source = (ROOT / "tests" / "reformulations" / "numpy_einsum.py").read_text()
    (tmp_path / "mine.py").write_text(source)
    impl = external.load("numpy:mine.py", cwd=str(tmp_path))
    assert (impl.name, impl.kind, impl.dtypes) == ("mine", "numpy", external.NUMPY_DTYPES)
    with pytest.raises(external.ImplementationError, match="no file"):
        external.load("numpy:absent.py", cwd=str(tmp_path))


@pytest.mark.parametrize(
    ("text", "seeds"), [("0-3", [0, 1, 2, 3]), ("7", [7]), ("1,5,3-4", [1, 3, 4, 5])]
)
def test_seed_lists(text, seeds):
    assert cases.parse_seeds(text) == seeds


@pytest.mark.parametrize("text", ["", "a", "3-1", "-2", "1,,x"])
def test_bad_seed_lists_are_explained(text):
    with pytest.raises(ValueError, match=r"--seeds: expected"):
        cases.parse_seeds(text)


# --------------------------------------------------------------------------- NumPy without numpy:
@pytest.mark.parametrize("spec", ["tests.reformulations.numpy_einsum", "reference"])
def test_numpy_module_without_prefix_is_told_to_use_it(spec):
    with pytest.raises(
        external.ImplementationError,
        match=rf"^--parity-impl={spec}: this looks like a NumPy implementation: use numpy:{spec} ",
    ):
        external.load(spec, cwd=str(ROOT))


@pytest.mark.parametrize("spec", ["impl", "tests.reformulations.outer_where"])
def test_torch_module_with_the_prefix_is_told_to_drop_it(spec):
    """Instead of a failure in every test: the module calls torch on NumPy arrays."""
    with pytest.raises(
        external.ImplementationError,
        match=rf"^--parity-impl=numpy:{spec}: this looks like a torch implementation: use {spec}, ",
    ):
        external.load(f"numpy:{spec}", cwd=str(ROOT))


def test_numpy_file_without_prefix_is_told_to_use_it(tmp_path):
    source = (ROOT / "tests" / "reformulations" / "numpy_einsum.py").read_text()
    (tmp_path / "np_only_file.py").write_text(source)
    with pytest.raises(external.ImplementationError, match=r"use numpy:np_only_file\.py "):
        external.load("np_only_file.py", cwd=str(tmp_path))
    assert external.load("numpy:np_only_file.py", cwd=str(tmp_path)).kind == "numpy"


def test_torch_module_that_imports_numpy_at_the_top_is_accepted(tmp_path):
    """Only NumPy at module level, torch inside the functions: its forward returns tensors."""
    source = (ROOT / "tests" / "mutants" / "_correct.py").read_text()
    body = source.replace("import torch\n", "import numpy as np  # noqa: F401\n")
    body = body.replace(
        "def forward(x, W1, b1, W2, b2):\n", "def forward(x, W1, b1, W2, b2):\n    import torch\n\n"
    )
    body = body.replace(
        "def backward(x, y, a1, h, f, W1, W2):\n",
        "def backward(x, y, a1, h, f, W1, W2):\n    import torch  # noqa: F401\n\n",
    )
    (tmp_path / "torch_inside.py").write_text(body)
    assert external.load("torch_inside.py", cwd=str(tmp_path)).kind == "torch"


def test_explicit_torch_prefix_is_taken_at_its_word():
    impl = external.load("torch:tests.reformulations.numpy_einsum", cwd=str(ROOT))
    assert impl.kind == "torch"


# --------------------------------------------------------------------------- given twice
def _config(impls: list[str], base: Path, ini: list[str] | None = None) -> SimpleNamespace:
    """What options.load_all reads of a pytest.Config."""
    return SimpleNamespace(
        getoption=lambda name: impls if name == "parity_impl" else None,
        getini=lambda name: ini or [],
        invocation_params=SimpleNamespace(dir=base),
        rootpath=base,
    )


def test_the_same_implementation_given_twice_is_checked_once():
    impls = options.load_all(_config(["tests.mutants._correct"] * 2, ROOT))
    assert [i.name for i in impls] == ["tests.mutants._correct"]


def test_two_implementations_are_both_checked():
    specs = ["tests.mutants._correct", "numpy:tests.reformulations.numpy_einsum"]
    impls = options.load_all(_config(specs, ROOT))
    assert [(i.name, i.kind) for i in impls] == [
        ("tests.mutants._correct", "torch"),
        ("tests.reformulations.numpy_einsum", "numpy"),
    ]


def test_two_implementations_with_one_name_are_refused(tmp_path):
    source = (ROOT / "tests" / "mutants" / "_correct.py").read_text()
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "same_name_twice.py").write_text(source)
    with pytest.raises(
        pytest.UsageError,
        match=r"^--parity-impl=b/same_name_twice\.py: another implementation, "
        r"--parity-impl=a/same_name_twice\.py, is also named 'same_name_twice'",
    ):
        options.load_all(_config(["a/same_name_twice.py", "b/same_name_twice.py"], tmp_path))


def test_the_option_wins_over_the_ini_setting():
    config = _config(["tests.mutants._correct"], ROOT, ini=["numpy:reference", "impl"])
    assert [i.name for i in options.load_all(config)] == ["tests.mutants._correct"]


def test_a_numpy_module_without_prefix_is_one_usage_error():
    with pytest.raises(pytest.UsageError, match="this looks like a NumPy implementation") as info:
        options.load_all(_config(["tests.reformulations.numpy_einsum"], ROOT))
    assert len(str(info.value).splitlines()) == 1


# --------------------------------------------------------------------------- a file's siblings
def test_a_file_imports_the_files_beside_it(tmp_path):
    folder = tmp_path / "deep" / "er"
    folder.mkdir(parents=True)
    (folder / "sibling_kernels.py").write_text(
        (ROOT / "tests" / "mutants" / "_correct.py").read_text()
    )
    (folder / "uses_sibling.py").write_text(
        "from sibling_kernels import backward, forward  # noqa: F401\n"
    )
    impl = external.load("deep/er/uses_sibling.py", cwd=str(tmp_path))
    assert impl.name == "uses_sibling"
    failures = checks.sweep(impl, [cases.Case(0, cases.Shape(2, 4, 8), "float64", "cpu")])
    assert not failures, failures[0].message


def test_a_file_given_by_its_absolute_path(tmp_path):
    (tmp_path / "sibling_abs.py").write_text(
        (ROOT / "tests" / "mutants" / "_correct.py").read_text()
    )
    (tmp_path / "uses_sibling_abs.py").write_text(
        "from sibling_abs import backward, forward  # noqa: F401\n"
    )
    impl = external.load(str(tmp_path / "uses_sibling_abs.py"), cwd=str(ROOT))
    assert impl.module.forward.__module__ == "sibling_abs"
