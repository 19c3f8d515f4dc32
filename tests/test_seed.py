"""`python -m impl` reproduces the seed notebook's printed figures.

The expected lines are what the notebook's own code prints (run unchanged with N = 500,
seed 42, h = 4, lr 0.1, 50 epochs, float32): they are observations of the seed, not tolerances.
Both backends must print them, since both train the same float32 trajectory to within a few ULP
(tests/test_training.py bounds that distance).
"""

from __future__ import annotations

import numpy as np
import pytest

import reference
from impl.__main__ import main
from mlp_parity import cases, checks, external

NOTEBOOK_LINES = [
    "NumPy output f_np = -0.005928472150117159",
    "Torch output f_t = -0.005928472150117159",
    "Absolute difference = 0.0",
    "epoch 010 | mean loss 0.0929",
    "epoch 020 | mean loss 0.0927",
    "epoch 030 | mean loss 0.0927",
    "epoch 040 | mean loss 0.0927",
    "epoch 050 | mean loss 0.0927",
    "Final training accuracy (manual gradients): 0.6940",
]


@pytest.mark.parametrize("backend", ["torch", "numpy"])
def test_python_m_impl_reproduces_the_notebook(backend, capsys):
    main(["--backend", backend])
    lines = capsys.readouterr().out.splitlines()
    assert lines[: len(NOTEBOOK_LINES)] == NOTEBOOK_LINES
    assert lines[len(NOTEBOOK_LINES)].startswith("time per training step: ")


def test_help_explains_every_option(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    for option in ("--epochs", "--lr", "--hidden", "--n", "--seed", "--dtype", "--backend"):
        assert option in text


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--epochs", "0"], "--epochs must be a positive integer, got 0"),
        (["--backend", "numpy", "--dtype", "bfloat16"], "--backend numpy supports --dtype"),
        (["--dtype", "int32"], "invalid choice: 'int32'"),
    ],
)
def test_bad_options_explained(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", ["reference", "impl"])
def test_forward_and_backward_agree_with_float64_on_the_notebook_data(name, dtype):
    """The notebook's 500 samples and initial weights (zero biases), through the harness's
    forward and backward checks: both packages agree with the float64 reference within the
    rounding bounds of mlp_parity/tolerances."""
    rng = np.random.default_rng(42)
    X, y = reference.make_quadrant_data(500, rng, dtype=dtype)
    W1, b1, W2, b2 = reference.init_params(2, 4, rng, dtype=dtype)
    inp = cases.Inputs(*(a.astype(np.float64) for a in (X, y, W1, b1, W2, b2)))
    case = cases.Case(42, cases.Shape(2, 4, 500), dtype, "cpu")
    impl_ = external.load("numpy:reference" if name == "reference" else name)
    checks.check_forward(impl_, case, inp)
    checks.check_backward(impl_, case, inp)
