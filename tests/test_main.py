"""`python -m impl`: bad options and diverged runs end in one clear line, never a traceback;
--plot says the file it wrote; --compare's distances do not depend on --plot; --help is quick."""

from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path

import pytest

from impl import __main__ as cli

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["--epochs", "2", "--n", "60"]


def _usage_error(capsys, *argv: str) -> str:
    """The one error line of an argparse-style exit 2."""
    with pytest.raises(SystemExit) as info:
        cli.main(list(argv))
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err.strip().splitlines()[-1]


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "NaN", "1e999"])
def test_non_finite_learning_rate_is_a_usage_error(capsys, value):
    line = _usage_error(capsys, f"--lr={value}")
    assert line == (
        f"python -m impl: error: argument --lr: expected a finite number, got {value!r}"
    )


@pytest.mark.parametrize("value", ["-1", "1.5", "x"])
def test_bad_seed_is_a_usage_error(capsys, value):
    line = _usage_error(capsys, "--seed", value)
    assert line == (
        f"python -m impl: error: argument --seed: expected a non-negative integer, got {value!r}"
    )


def test_plot_into_a_missing_folder_is_a_usage_error(capsys, tmp_path):
    missing = tmp_path / "no" / "such" / "x.png"
    line = _usage_error(capsys, "--plot", str(missing))
    assert line == (
        f"python -m impl: error: argument --plot: no folder {missing.parent} to write "
        f"{missing.name} into"
    )


@pytest.mark.parametrize(
    ("lr", "advice"),
    [("100", "try a smaller learning rate"), ("-1", "a negative learning rate climbs the loss")],
)
@pytest.mark.parametrize("backend", ["torch", "numpy"])
def test_a_diverged_run_says_so(capsys, lr, advice, backend):
    status = cli.main(["--lr", lr, "--backend", backend, "--epochs", "20", "--n", "100"])
    err = capsys.readouterr().err
    assert status == 1
    assert "Traceback" not in err
    (line,) = err.strip().splitlines()
    assert line.startswith("python -m impl: the training diverged at epoch "), line
    assert f"with --lr {float(lr)}" in line and advice in line, line


def test_a_diverged_comparison_says_so(capsys):
    assert cli.main(["--compare", "--lr", "100", *SMALL]) == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("python -m impl: the training diverged at epoch "), line


@pytest.fixture
def fake_matplotlib(monkeypatch):
    """--plot without matplotlib: a stand-in module, and write_plot writes the bytes of a
    PNG header where it is told to, and records the path."""
    monkeypatch.setitem(sys.modules, "matplotlib", types.ModuleType("matplotlib"))
    written = []

    def write_plot(path, args, ref, runs):
        Path(path).write_bytes(b"\x89PNG\r\n\x1a\n")
        written.append(Path(path))

    monkeypatch.setattr(cli, "write_plot", write_plot)
    return written


@pytest.mark.parametrize(("given", "written"), [("plotnoext", "plotnoext.png"), ("a.png", "a.png")])
def test_plot_says_the_file_it_wrote(capsys, tmp_path, fake_matplotlib, given, written):
    assert cli.main(["--plot", str(tmp_path / given), *SMALL]) == 0
    assert fake_matplotlib == [tmp_path / written]
    assert capsys.readouterr().out.strip().splitlines()[-1] == f"wrote {tmp_path / written}"
    assert cli.plot_path(given) == Path(written)


def _distances(out: str) -> dict[str, str]:
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("backend")) + 2
    rows = [line for line in lines[start:] if "skipped" not in line and "wrote" not in line]
    return {line[:24].strip(): line.split()[-1] for line in rows}


def test_compare_distance_does_not_depend_on_plot(capsys, tmp_path, fake_matplotlib):
    assert cli.main(["--compare", *SMALL]) == 0
    alone = capsys.readouterr().out
    assert cli.main(["--compare", "--plot", str(tmp_path / "p.png"), *SMALL]) == 0
    with_plot = capsys.readouterr().out
    assert _distances(alone) == _distances(with_plot)
    # and the table says how the run was sampled: 120 updates, every one of them
    assert "sampled after every update (120 samples)" in alone, alone


def test_sampling_is_stated_for_long_runs():
    assert cli.sampling(25_000) == (
        25,
        "sampled every 25 updates and after the last (1001 samples)",
    )
    assert cli.sampling(120) == (1, "sampled after every update (120 samples)")


def test_help_shows_every_default(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--seed SEED seed of np.random.default_rng for data and init (default 42)" in out, out


def test_help_does_not_import_torch():
    code = (
        "import sys\n"
        "from impl.__main__ import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('torch imported' if 'torch' in sys.modules else 'no torch')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "no torch"


def test_dtype_choices_are_impl_dtypes():
    import impl

    assert cli.DTYPES == tuple(impl.DTYPES)


def test_impl_names_are_its_functions():
    """impl's names are imported on first use; `impl.train` stays the function even after
    the submodule impl.train has been imported."""
    import importlib

    import impl

    importlib.import_module("impl.train")
    assert callable(impl.train) and impl.train.__module__ == "impl.train"
    from impl import train

    assert train is impl.train
    assert sorted(impl.__all__) == sorted(impl._SOURCES) and set(impl.__all__) <= set(dir(impl))
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        impl.nothing  # noqa: B018
