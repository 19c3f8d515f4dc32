"""Whole training trajectories against the float64 reference, step by step.

A gradient can be right at one point and a training loop still wrong (state carried between
steps, an update applied twice, a mask cached), so every trainer's parameters are compared
with the float64 reference after every update, against `tolerances.trajectory_tolerance`
(the derivation is written there), and planted loop bugs must fail with a report naming the
first step that broke.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch

import impl
import reference
from mlp_parity import external
from mlp_parity.tolerances import trajectory_tolerance, ulp
from mlp_parity.training import (
    Problem,
    Trajectory,
    TrajectoryMismatch,
    expect_trajectory,
    harness_loop_trainer,
    reference_run,
    to_trajectory,
    ulp_distance,
)
from tests.mutants_training import cached_mask, double_update, loss_after_update, stale_order
from tests.trainers import (
    MINIBATCH_TRAINERS,
    SLOW_TRAINERS,
    TRAINERS,
    impl_trainer,
    numba_missing,
    reference_trainer,
    trainer_params,
)

SEED = Problem()  # N = 500, seed 42, lr 0.1, 50 epochs, h = 4, float32: the notebook's run
SHORT = Problem(epochs=5)  # the same start and data, for the slow loops
FAST = [n for n in TRAINERS if n not in SLOW_TRAINERS]


@functools.lru_cache(maxsize=16)
def run(trainer, problem: Problem, record_every: int = 1) -> Trajectory:
    """Each trainer runs each problem once per session; tests share the result."""
    return trainer(problem, record_every)


# --------------------------------------------------------------------------- parity
@pytest.mark.parametrize("trainer", trainer_params(FAST))
def test_seed_trajectory_matches_reference_at_every_step(trainer):
    expect_trajectory(run(trainer, SEED), SEED)


@pytest.mark.slow
@pytest.mark.parametrize("trainer", trainer_params(sorted(SLOW_TRAINERS)))
def test_slow_loops_match_reference_at_every_step(trainer):
    expect_trajectory(run(trainer, SHORT), SHORT)


@pytest.mark.parametrize("trainer", trainer_params(["impl", "fused"]))
def test_float64_trajectory_matches_reference(trainer):
    problem = Problem(dtype="float64", epochs=10)
    expect_trajectory(trainer(problem, 1), problem)


HALF = Problem(dtype="float16", n=200, epochs=1)


@pytest.mark.parametrize("trainer", trainer_params(["reference", "impl"]))
def test_float16_trajectory_matches_reference(trainer):
    """float16 (impl's CPU path computes a1 without gemv there). With u = 2^-11 over half of
    the updates meet a ReLU within reach of its kink, and the allowed jumps add up: by update
    200 the allowance is as large as the parameters, so only short float16 runs say much
    (the double-update bug below is still caught at its first step)."""
    expect_trajectory(run(trainer, HALF), HALF)


def test_float16_still_catches_a_double_update_at_its_step():
    double_update.reset()
    report = _mutant_report(harness_loop_trainer(double_update, "torch", "f16")(HALF, 1), HALF)
    assert "first failing step: epoch 1, sample 96 (update 97)" in report


@pytest.mark.parametrize(
    "problem",
    [Problem(batch_size=32, epochs=20), Problem(batch_size=7, epochs=5, order_seed=3, h=16)],
    ids=lambda p: p.id,
)
@pytest.mark.parametrize("trainer", trainer_params(MINIBATCH_TRAINERS))
def test_minibatch_trajectory_matches_reference(trainer, problem):
    expect_trajectory(trainer(problem, 1), problem)


def test_every_kth_record_is_checked_too():
    check = expect_trajectory(impl_trainer(SHORT, 37), SHORT)
    assert check.worst_ratio <= 1


# --------------------------------------------------------------------------- the seed figures
def test_seed_figures_and_final_weights_within_derived_ulp():
    """Mean loss 0.0929 at epoch 10, 0.0927 at 20-50, accuracy 0.6940 (the notebook's own
    output), and impl's final float32 weights within the ULP distance of reference's that the
    trajectory tolerance allows: each is within tol of the float64 reference, so they are
    within 2 tol of each other, i.e. ceil(2 tol / spacing) ULP at the smaller magnitude.
    (The runs are `train`'s own loops: see test_trajectory_functions_are_the_training_loops.)"""
    X, y, _ = SEED.data()
    ref, imp = run(reference_trainer, SEED), run(impl_trainer, SEED)
    for traj in (ref, imp):
        assert [f"{v:.4f}" for v in traj.losses[9::10]] == ["0.0929"] + ["0.0927"] * 4
        W1, b1, W2, b2 = np.split(traj.thetas[-1].astype(np.float32), [8, 12, 16])
        params = (W1.reshape(4, 2), b1, W2.reshape(1, 4), b2)
        assert f"{reference.accuracy(params, X, y):.4f}" == "0.6940"
    a, b = ref.thetas[-1], imp.thetas[-1]
    _, tol = reference_run(SEED)
    spacing = ulp(np.minimum(np.abs(a), np.abs(b)), "float32")
    allowed = np.ceil(2 * tol.theta[-1] / spacing)
    measured = ulp_distance(a, b)
    assert (measured <= allowed).all(), (measured, allowed)


# --------------------------------------------------------------------------- the tolerance
def test_tolerance_starts_at_zero_and_sees_a_one_in_ten_thousand_lr_change():
    """The start must match exactly, and the allowance is tight enough that training with
    lr * (1 + 1e-4) is told apart from lr."""
    _, tol = reference_run(SEED)
    assert (tol.theta[0] == 0).all()
    X, y, params = SHORT.data()
    nudged = reference.train_trajectory(params, X, y, SHORT.lr * (1 + 1e-4), SHORT.epochs, 1)
    with pytest.raises(TrajectoryMismatch, match="first failing step"):
        expect_trajectory(to_trajectory("lr * (1 + 1e-4)", *nudged), SHORT)


@pytest.mark.parametrize(
    "problem", [Problem(n=40, h=3, epochs=3), Problem(n=40, h=3, epochs=2, batch_size=9)]
)
def test_dense_and_structured_propagation_agree(problem):
    ref, _ = reference_run(problem)
    X, y, _ = problem.data()
    args = (ref.thetas, X.astype(np.float64), y.astype(np.float64), problem.lr)
    args += (problem.batches(), problem.steps_per_epoch, problem.dtype)
    dense = trajectory_tolerance(*args, dense=True)
    structured = trajectory_tolerance(*args, dense=False)
    np.testing.assert_allclose(structured.theta, dense.theta, rtol=1e-9, atol=0)
    np.testing.assert_allclose(structured.loss, dense.loss, rtol=1e-9, atol=0)


# --------------------------------------------------------------------------- planted bugs
def _mutant_report(trajectory: Trajectory, problem: Problem) -> str:
    with pytest.raises(TrajectoryMismatch) as info:
        expect_trajectory(trajectory, problem)
    return str(info.value)


def test_double_update_every_97_steps_fails_at_step_97():
    double_update.reset()
    run = harness_loop_trainer(double_update, "torch", "double update")(SHORT, 1)
    report = _mutant_report(run, SHORT)
    assert "first failing step: epoch 1, sample 96 (update 97)" in report
    assert "allowed" in report and "earlier records" in report


def test_cached_relu_mask_fails_with_first_step_report():
    cached_mask.reset()
    run = harness_loop_trainer(cached_mask, "torch", "cached mask")(SHORT, 1)
    report = _mutant_report(run, SHORT)
    assert "first failing step: epoch 1, sample" in report
    assert "error of" in report and "allowed" in report


def test_parameters_updated_out_of_order_fail():
    X, y, params = SHORT.data()
    out = stale_order.train_trajectory(
        tuple(torch.from_numpy(p) for p in params), torch.from_numpy(X), torch.from_numpy(y), 0.1, 5
    )
    report = _mutant_report(to_trajectory("W2 updated first", *out), SHORT)
    assert "first failing step: epoch 1" in report


def test_epoch_loss_after_the_updates_fails_the_loss_check():
    X, y, params = SHORT.data()
    out = loss_after_update.train_trajectory(
        tuple(torch.from_numpy(p) for p in params), torch.from_numpy(X), torch.from_numpy(y), 0.1, 5
    )
    report = _mutant_report(to_trajectory("loss after update", *out), SHORT)
    assert "the mean loss of epoch 1" in report


def test_report_names_epoch_sample_tensor_and_growth():
    X, y, params = SHORT.data()
    steps, thetas, losses = reference.train_trajectory(params, X, y, 0.1, 5, 1)
    thetas = thetas.astype(np.float64)
    thetas[1234:, 9] += 1e-3  # b1[1] off from update 1234 on
    report = _mutant_report(Trajectory("shifted", steps, thetas, losses), SHORT)
    assert "first failing step: epoch 3, sample 233 (update 1234)" in report
    assert "b1[1]: got" in report
    assert "    1233: " in report  # the record before, with its error and allowance


# --------------------------------------------------------------------------- the API
@pytest.mark.parametrize("pkg", [reference, impl], ids=["reference", "impl"])
@pytest.mark.parametrize(
    "kwargs, exc, message",
    [
        ({"batch_size": 0}, ValueError, r"batch_size must be a positive int, got 0"),
        ({"batch_size": 501}, ValueError, r"batch_size must be at most N = 500, got 501"),
        ({"batch_size": True}, ValueError, r"batch_size must be a positive int, got True"),
        ({"seed": -1}, ValueError, r"seed must be a non-negative int, got -1"),
        ({"lr": float("nan")}, ValueError, r"lr must be a finite real number"),
        ({"epochs": 0}, ValueError, r"epochs must be a positive int, got 0"),
    ],
)
def test_train_minibatch_rejects_bad_arguments(pkg, kwargs, exc, message):
    X, y, params = SHORT.data()
    if pkg is impl:
        X, y, params = (
            torch.from_numpy(X),
            torch.from_numpy(y),
            tuple(map(torch.from_numpy, params)),
        )
    with pytest.raises(exc, match=message):
        pkg.train_minibatch(params, X, y, **({"lr": 0.1, "epochs": 1} | kwargs))


@pytest.mark.parametrize("pkg", [reference, impl], ids=["reference", "impl"])
def test_trajectory_functions_are_the_training_loops(pkg):
    """train_* and train_*_trajectory run one loop: same final parameters, same losses,
    and the inputs are not modified."""
    X, y, params = Problem(epochs=3).data()
    if pkg is impl:
        X, y, params = (
            torch.from_numpy(X),
            torch.from_numpy(y),
            tuple(map(torch.from_numpy, params)),
        )
    before = [np.array(p, copy=True) if isinstance(p, np.ndarray) else p.clone() for p in params]
    for plain, recorded, kw in (
        (pkg.train, pkg.train_trajectory, {}),
        (pkg.train_minibatch, pkg.train_minibatch_trajectory, {"batch_size": 16, "seed": 5}),
    ):
        trained, losses = plain(params, X, y, 0.1, 3, **kw)
        steps, thetas, losses2 = recorded(params, X, y, 0.1, 3, **kw, record_every=7)
        flat = np.concatenate([np.asarray(p).ravel() for p in trained])
        np.testing.assert_array_equal(np.asarray(thetas[-1]), flat)
        np.testing.assert_array_equal(np.asarray(losses), np.asarray(losses2))
        assert steps[0] == 0 and (np.diff(steps)[:-1] == 7).all()
    for p, b in zip(params, before):
        np.testing.assert_array_equal(np.asarray(p), b)


def test_autograd_oracle_gradients_are_the_reference_gradients():
    """float64: autograd's gradients equal the hand-written reference's to rounding (each
    element is a product of at most four factors: 8 u64 relative covers both sides)."""
    from impl.autograd_oracle import loss_and_grads

    rng = np.random.default_rng(7)
    x, W1, b1, W2, b2 = (rng.standard_normal(s) for s in ((3,), (5, 3), (5,), (1, 5), (1,)))
    y = 0.3
    a1, h, f = reference.forward(x, W1, b1, W2, b2)
    expected = reference.backward(x, y, a1, h, f, W1, W2)
    L, grads = loss_and_grads(
        *(torch.from_numpy(a) for a in (x,)), y, *map(torch.from_numpy, (W1, b1, W2, b2))
    )
    assert abs(float(L) - float(reference.loss(f, y))) <= 8 * 2.0**-53 * float(reference.loss(f, y))
    for g, e in zip(grads, expected):
        np.testing.assert_allclose(g.numpy(), e, rtol=8 * 2.0**-53, atol=0)


@pytest.mark.parametrize("which", ["autograd", "fused"])
def test_plain_and_recorded_loops_agree(which):
    X, y, params = Problem(epochs=2, n=50).data()
    if which == "fused":
        if reason := numba_missing():
            pytest.skip(reason)
        from impl.fused import train_fused as plain
        from impl.fused import train_fused_trajectory as recorded
    else:
        from impl.autograd_oracle import (
            train_autograd as plain,
        )
        from impl.autograd_oracle import (
            train_autograd_trajectory as recorded,
        )

        X, y, params = (
            torch.from_numpy(X),
            torch.from_numpy(y),
            tuple(map(torch.from_numpy, params)),
        )
    trained, losses = plain(params, X, y, 0.1, 2)
    _, thetas, losses2 = recorded(params, X, y, 0.1, 2, record_every=13)
    flat = np.concatenate([np.asarray(p).ravel() for p in trained])
    np.testing.assert_array_equal(np.asarray(thetas[-1]), flat)
    np.testing.assert_array_equal(np.asarray(losses), np.asarray(losses2))


def test_minibatch_order_is_a_seeded_permutation_per_epoch():
    order = reference.minibatch_order(10, 3, 4, seed=1)
    assert [len(b) for b in order[0]] == [4, 4, 2]
    for epoch in order:
        assert sorted(np.concatenate(epoch).tolist()) == list(range(10))
    again = reference.minibatch_order(10, 3, 4, seed=1)
    assert all(np.array_equal(a, b) for e, f in zip(order, again) for a, b in zip(e, f))
    assert not np.array_equal(np.concatenate(order[0]), np.concatenate(order[1]))


def test_fused_explains_its_dtypes():
    if reason := numba_missing():
        pytest.skip(reason)
    from impl import fused

    X, y, params = SHORT.data()
    with pytest.raises(TypeError, match="dtype must be one of float32, float64, got float16"):
        fused.train_fused(
            tuple(p.astype(np.float16) for p in params), X.astype(np.float16), y.astype(np.float16)
        )


def test_harness_loop_refuses_mixed_array_types():
    from mlp_parity.training import sgd_trajectory

    X, y, params = SHORT.data()
    with pytest.raises(TypeError, match=r"X must be a torch\.Tensor, got ndarray"):
        sgd_trajectory(impl.forward, impl.backward, params, X, y, 0.1, 1)


def test_reference_trainer_and_impl_trainer_are_distinct_runs():
    """The parity above is not a comparison of one run with itself."""
    a, b = reference_trainer(SHORT, 50), impl_trainer(SHORT, 50)
    assert a.name != b.name and not np.array_equal(a.thetas, b.thetas)


# --------------------------------------------------------------------------- python -m impl
def test_compare_prints_every_backend_close_to_the_reference(capsys):
    from impl.__main__ import main

    assert main(["--compare", "--epochs", "2", "--n", "100"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == ["backend", "us", "per", "step", "final", "loss", "max", "distance"]
    rows = {line[:24].strip(): line[24:].split() for line in lines[3:]}
    expected = {"numpy (reference.train)", "torch (impl.train)", "torch autograd"}
    expected |= {"numba (impl.fused)"} if numba_missing() is None else set()
    assert expected <= set(rows)
    reference_loss = float(rows["float64 reference"][0])
    for name in expected:
        us, loss, distance = map(float, rows[name])
        assert us > 0 and abs(loss - reference_loss) < 1e-5 and distance < 1e-5, (name, rows[name])


def test_plot_writes_a_png(tmp_path, capsys):
    pytest.importorskip("matplotlib", reason="--plot needs matplotlib")
    from impl.__main__ import main

    path = tmp_path / "curves.png"
    assert main(["--plot", str(path), "--epochs", "2", "--n", "60"]) == 0
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"wrote {path}" in capsys.readouterr().out


def test_plot_without_matplotlib_says_how_to_get_it(tmp_path, capsys, monkeypatch):
    import sys

    from impl.__main__ import main

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    assert main(["--plot", str(tmp_path / "x.png"), "--epochs", "1", "--n", "10"]) == 1
    assert "--plot needs matplotlib, which is not installed: pip install matplotlib" in (
        capsys.readouterr().err
    )
    assert not (tmp_path / "x.png").exists()


def _f_as(form: str, forward):
    """forward with f returned as shape (1,) or as a Python float (both allowed)."""

    def wrapped(*args):
        a1, h, f = forward(*args)
        return a1, h, (f.reshape(1) if form == "(1,)" else float(f))

    return wrapped


@pytest.mark.parametrize("form", ["(1,)", "float"])
@pytest.mark.parametrize("pkg", [reference, impl], ids=["numpy", "torch"])
def test_harness_loop_takes_f_in_every_form_forward_may_return(pkg, form):
    """NumPy 2 refuses float() of a shape-(1,) array: the loop's loss must not need it."""
    import types

    def backward(x, y, a1, h, f, W1, W2):  # written for the f its forward returns
        return pkg.backward(x, y, a1, h, f if form == "float" else f.reshape(()), W1, W2)

    module = types.SimpleNamespace(forward=_f_as(form, pkg.forward), backward=backward)
    kind = "numpy" if pkg is reference else "torch"
    problem = Problem(n=50, epochs=1)
    expect_trajectory(harness_loop_trainer(module, kind, f"f as {form}")(problem, 1), problem)


def test_the_harness_loop_fails_a_module_that_switches_on_flush_to_zero_and_undoes_it():
    """Flush-to-zero is the process's: a module that switches it on during training would
    flush every later reference in the same worker."""
    from tests.mutants import flush_in_forward

    trainer = harness_loop_trainer(flush_in_forward)
    with pytest.raises(AssertionError, match="switched on flush-to-zero"):
        trainer(Problem(dtype="float64", n=20, epochs=1))
    assert not external.flushes_subnormals()
