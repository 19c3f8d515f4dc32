"""The benchmark summary and its gate, on synthetic --benchmark-json files: ratios of times
measured in one run, each a line of its own when it falls short."""

from __future__ import annotations

import json

import pytest

from tests.benchmarks import summary

SEED = "seed: N=500 h=4 seed=42 lr=0.1 E=50 float32"


def _bench(group: str, contender: str, us: float) -> dict:
    return {
        "group": group,
        "name": f"test[{contender}]",
        "extra_info": {"contender": contender, "us_per_step": us},
    }


def _write(tmp_path, times: dict[str, float], group: str = SEED, extra: list | None = None):
    benchmarks = [_bench(group, name, us) for name, us in times.items()] + (extra or [])
    path = tmp_path / "bench.json"
    path.write_text(json.dumps({"benchmarks": benchmarks}))
    return str(path)


FAST = {"numpy-reference": 30.0, "notebook": 40.0, "impl": 10.0, "autograd": 60.0, "fused": 0.05}


def test_every_gate_passes_and_is_shown(tmp_path, capsys):
    path = _write(tmp_path, FAST, extra=[_bench("scaling: h=64", "impl", 1e6)])
    assert summary.main([path, "--gate"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert "| impl vs notebook | 4× | ≥ 3× | ok |" in out
    assert "| impl vs autograd | 6× | ≥ 5× | ok |" in out
    assert "| fused vs numpy-reference | 600× | ≥ 300× | ok |" in out
    assert "**scaling: h=64**" in out  # every group's table, the gate on the seed group only


def test_each_short_ratio_is_one_line_and_exit_1(tmp_path, capsys):
    times = {**FAST, "notebook": 20.0, "fused": 1.0}
    assert summary.main([_write(tmp_path, times), "--gate"]) == 1
    out, err = capsys.readouterr()
    assert err.splitlines() == [
        f"bench gate: impl is 2× as fast as notebook in '{SEED}', needs ≥ 3×",
        f"bench gate: fused is 30× as fast as numpy-reference in '{SEED}', needs ≥ 300×",
    ]
    assert "| impl vs notebook | 2× | ≥ 3× | FAILED |" in out


def test_without_gate_the_figures_are_printed_and_nothing_fails(tmp_path, capsys):
    assert summary.main([_write(tmp_path, {**FAST, "notebook": 20.0})]) == 0
    assert "| impl vs notebook | 2× | ≥ 3× | FAILED |" in capsys.readouterr().out


def test_fused_is_gated_only_where_it_ran(tmp_path, capsys):
    times = {k: v for k, v in FAST.items() if k != "fused"}
    assert summary.main([_write(tmp_path, times), "--gate"]) == 0
    assert "| fused vs numpy-reference | — | ≥ 300× | not run (numba not installed) |" in (
        capsys.readouterr().out
    )


def test_a_missing_contender_fails_the_gate(tmp_path, capsys):
    times = {k: v for k, v in FAST.items() if k != "autograd"}
    assert summary.main([_write(tmp_path, times), "--gate"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"bench gate: no timing of autograd in '{SEED}' to compare impl with"
    ]


def test_no_seed_group_fails_the_gate(tmp_path, capsys):
    assert summary.main([_write(tmp_path, FAST, group="scaling: x"), "--gate"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "bench gate: no 'seed: ...' group in the benchmark JSON (was it run with --benchmark-enable?)"
    ]


def test_gate_is_a_function_of_the_groups():
    results = summary.gate({SEED: FAST})
    assert [(r.gate.fast, r.gate.slow, r.ratio, r.passed) for r in results] == [
        ("impl", "notebook", 4.0, True),
        ("impl", "autograd", 6.0, True),
        ("fused", "numpy-reference", pytest.approx(600.0), True),
    ]


@pytest.mark.parametrize("argv", [[], ["a", "b"], ["a", "--gate", "--gate"], ["--nope", "a"]])
def test_usage(argv, capsys):
    assert summary.main(argv) == 2
    assert capsys.readouterr().err.startswith("usage: python -m tests.benchmarks.summary")


def test_unreadable_file_is_one_line(tmp_path, capsys):
    assert summary.main([str(tmp_path / "absent.json"), "--gate"]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("bench summary: ") and "absent.json" in line
