"""Failure messages say what is wrong: outputs counted, crashes named as crashes, and no
figure or diagnosis in a message that the numbers do not support."""

from __future__ import annotations

import types

import numpy as np
import pytest
import torch

from mlp_parity import checks, compare, external, report
from mlp_parity.cases import Case, Shape
from mlp_parity.compare import ParityError
from tests.mutants import _correct

CASE = Case(0, Shape(2, 4, 8), "float64", "cpu")


def _impl(name: str, **functions) -> external.Implementation:
    """The correct network with `functions` replaced, as an implementation named `name`."""
    module = types.ModuleType(name)
    module.__dict__.update(
        {"forward": _correct.forward, "backward": _correct.backward, **functions}
    )
    return external.Implementation(name, "torch", module, name)


def _failure(check: str, impl: external.Implementation, case: Case = CASE) -> ParityError:
    with report.capture(), pytest.raises(ParityError) as info:
        checks.run(check, impl, case)
    return info.value


def _three_grads(x, y, a1, h, f, W1, W2):
    return _correct.backward(x, y, a1, h, f, W1, W2)[:3]


def _five_grads(x, y, a1, h, f, W1, W2):
    return (*_correct.backward(x, y, a1, h, f, W1, W2), torch.zeros(()))


def _two_outputs(x, W1, b1, W2, b2):
    return _correct.forward(x, W1, b1, W2, b2)[:2]


def _four_outputs(x, W1, b1, W2, b2):
    return (*_correct.forward(x, W1, b1, W2, b2), torch.zeros(()))


# --------------------------------------------------------------------------- arity
@pytest.mark.parametrize(
    ("backward", "count"), [(_three_grads, 3), (_five_grads, 5)], ids=["three", "five"]
)
def test_contract_counts_backward_outputs(backward, count):
    error = _failure("contract", _impl("grads", backward=backward))
    assert error.kind == compare.ARITY
    assert (
        f"contract check failed: backward of grads returned {count} values, "
        "expected (dW1, db1, dW2, db2)"
    ) in str(error), str(error)
    assert f"case: {CASE.id}" in str(error)


@pytest.mark.parametrize(
    ("forward", "count"), [(_two_outputs, 2), (_four_outputs, 4)], ids=["two", "four"]
)
def test_contract_counts_forward_outputs(forward, count):
    error = _failure("contract", _impl("outs", forward=forward))
    assert error.kind == compare.ARITY
    assert f"forward of outs returned {count} values, expected (a1, h, f)" in str(error)


def test_contract_names_a_single_returned_tensor():
    def stacked(x, y, a1, h, f, W1, W2):
        return torch.cat([g.reshape(-1) for g in _correct.backward(x, y, a1, h, f, W1, W2)])

    error = _failure("contract", _impl("one", backward=stacked))
    assert error.kind == compare.ARITY
    assert "backward of one returned a Tensor, expected (dW1, db1, dW2, db2)" in str(error)


@pytest.mark.parametrize("check", [c.name for c in checks.CHECKS if c.name != "forward"])
def test_every_check_that_calls_backward_counts_its_outputs(check):
    error = _failure(check, _impl("three", backward=_three_grads))
    assert error.kind == compare.ARITY, str(error)
    assert "backward of three returned 3 values, expected (dW1, db1, dW2, db2)" in str(error)


@pytest.mark.parametrize("check", ["forward", "finite-diff", "gradcheck", "contract"])
def test_every_check_that_calls_forward_counts_its_outputs(check):
    error = _failure(check, _impl("two", forward=_two_outputs))
    assert error.kind == compare.ARITY, str(error)
    assert "forward of two returned 2 values, expected (a1, h, f)" in str(error)


def test_batch_gradient_outputs_are_counted():
    def backward_batch(X, Y, A1, H, F, W1, W2):
        R = (F - Y) / F.shape[0]
        dA1 = torch.outer(R, W2[0]) * (A1 > 0)
        return dA1.T @ X, dA1.sum(0), (R @ H)[None]

    error = _failure("vmap", _impl("batch3", backward_batch=backward_batch))
    assert error.kind == compare.ARITY
    assert "backward_batch of batch3 returned 3 values, expected (dW1, db1, dW2, db2)" in str(error)


# --------------------------------------------------------------------------- gradcheck
def test_gradcheck_says_the_module_raised():
    def backward(x, y, a1, h, f, W1, W2):
        raise RuntimeError("no gradient today")

    error = _failure("gradcheck", _impl("raises", backward=backward))
    assert error.kind == compare.CRASH
    message = str(error)
    assert message.startswith(
        "gradcheck check failed: backward of raises raised RuntimeError: no gradient today (at "
    ), message
    assert "test_messages.py:" in message.splitlines()[0]
    assert "disagrees" not in message
    # the same words as every other check
    other = str(_failure("backward", _impl("raises", backward=backward)))
    assert other.splitlines()[0].removeprefix("backward") == message.splitlines()[0].removeprefix(
        "gradcheck"
    )


def test_gradcheck_says_the_forward_raised():
    def forward(x, W1, b1, W2, b2):
        raise ValueError("bad forward")

    error = _failure("gradcheck", _impl("fraises", forward=forward))
    assert error.kind == compare.CRASH
    assert str(error).startswith(
        "gradcheck check failed: forward of fraises raised ValueError: bad forward"
    ), str(error)


# --------------------------------------------------------------------------- NumPy as torch
def _numpy_forward(x, W1, b1, W2, b2):
    a1 = np.asarray(W1) @ np.asarray(x) + np.asarray(b1)
    h = np.maximum(a1, 0.0)
    return a1, h, np.asarray(W2)[0] @ h + np.asarray(b2)[0]


def _numpy_dtype_backward(x, y, a1, h, f, W1, W2):
    r = np.asarray(f - y, dtype=x.dtype)  # a torch dtype given to NumPy
    return r * np.asarray(W1), r, r * np.asarray(h), r


@pytest.mark.parametrize("check", ["forward", "contract"])
def test_numpy_arrays_returned_for_torch_tensors_are_named(check):
    error = _failure(check, _impl("arrays", forward=_numpy_forward))
    assert error.kind == compare.TYPE, str(error)
    assert (
        "forward of arrays returned NumPy arrays for torch tensors: "
        "this looks like a NumPy implementation: use numpy:arrays"
    ) in str(error), str(error)


def test_numpy_on_torch_tensors_crash_says_use_numpy():
    error = _failure("backward", _impl("mixed", backward=_numpy_dtype_backward))
    assert error.kind == compare.CRASH
    first = str(error).splitlines()[0]
    assert "backward of mixed raised TypeError: Cannot interpret 'torch.float64'" in first
    assert first.endswith("this looks like a NumPy implementation: use numpy:mixed"), first


def test_an_unrelated_crash_gets_no_numpy_hint():
    def backward(x, y, a1, h, f, W1, W2):
        raise RuntimeError("boom")

    error = _failure("backward", _impl("plain", backward=backward))
    assert "NumPy" not in str(error)


# --------------------------------------------------------------------------- value messages
def _close_message(actual, expected, allowed, note: str = "") -> str:
    where = compare.Where("backward", "m", Case(0, Shape(2, 4, 8), "float32", "cpu"))
    with report.capture(), pytest.raises(ParityError) as info:
        compare.expect_close(
            np.array(actual),
            np.array(expected),
            np.array(allowed),
            tensor="db1",
            where=where,
            note=note,
        )
    return str(info.value)


def test_an_expected_zero_gives_no_ulp_count():
    message = _close_message([1e-3, 1.0], [0.0, 1.0], [1e-6, 1e-6])
    assert "expected exactly 0" in message, message
    assert "ULPs" not in message and "rel err = inf" not in message, message
    # a non-zero expected value keeps the ULP count
    assert "ULPs (float32) = " in _close_message([1.5], [1.0], [1e-6])


def test_a_zero_tolerance_is_said_with_its_reason():
    message = _close_message([1e-3], [0.0], [0.0], note="why it is exact")
    assert "infx" not in message and "inf x" not in message, message
    assert "the tolerance is 0: this element must equal the expected value exactly" in message
    assert "note: why it is exact" in message


def test_a_ratio_past_the_largest_float_is_beyond_any_tolerance():
    """An error of about 1 against the subnormal tolerance of an exact 0 (1.14e-322 at
    float64): the ratio overflows, and the message says so in words, not "infx"."""
    message = _close_message([0.9], [0.0], [1.14e-322])
    assert "infx" not in message and "inf x" not in message, message
    assert "(the error is beyond any tolerance)" in message, message


@pytest.mark.parametrize(
    ("mutant", "says", "never"),
    [
        ("kink_ge", "a mask a1 >= 0", "missing"),
        ("no_mask", "the ReLU mask is missing or wrong", ">= 0"),
        ("inverted_mask", "the ReLU mask is missing or wrong", ">= 0"),
    ],
)
def test_kink_note_says_what_the_gradient_shows(mutant, says, never):
    impl = external.load(f"tests.mutants.{mutant}")
    error = _failure("kink", impl)
    note = next(line for line in str(error).splitlines() if line.startswith("  note:"))
    assert says in note and never not in note, note


def test_the_kink_checks_comparison_of_every_gradient_is_told_as_the_kink_check():
    """Its rerun line must rerun the kink case, which the backward check does not build."""

    def double_dW2(x, y, a1, h, f, W1, W2):
        dW1, db1, dW2, db2 = _correct.backward(x, y, a1, h, f, W1, W2)
        return dW1, db1, 2 * dW2, db2

    message = str(_failure("kink", _impl("double_dW2", backward=double_dW2)))
    assert message.startswith("kink check failed: dW2 from double_dW2 differs from the float64")
    assert 'rerun: pytest -k "test_kink_convention[double_dW2-' in message
