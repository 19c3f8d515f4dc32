"""The activations' and the heads' error constants, established, not assumed: every
formulation the README calls sound is held to the bound `functions` states, over every
float16 and bfloat16 number and a dense float32 sweep; the unsafe ones are shown to leave it.

(*) |fl(sigma)(a) - sigma(a)| <= c_rel u |sigma(a)| + c_abs u    (functions' docstring)
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mlp_parity import declaration, functions
from mlp_parity.tolerances.layers import LIBRARY
from mlp_parity.tolerances.per_sample import unit_roundoff


def every_number(dtype: torch.dtype) -> torch.Tensor:
    """Every finite float16 or bfloat16 number."""
    bits = torch.arange(-(2**15), 2**15, dtype=torch.int32).to(torch.int16)
    values = bits.view(dtype)
    return values[torch.isfinite(values)]


def dense_float32() -> torch.Tensor:
    """A dense float32 sweep: 2 million points over [-100, 100] and 400 000 magnitudes from
    1e-40 to 80, both signs."""
    ramp = torch.linspace(-100, 100, 2_000_001, dtype=torch.float32)
    logs = torch.logspace(-40, 1.9, 200_000, dtype=torch.float32)
    return torch.cat([ramp, logs, -logs])


INPUTS = {
    "float16": lambda: every_number(torch.float16),
    "bfloat16": lambda: every_number(torch.bfloat16),
    "float32": dense_float32,
}

SOUND = {
    "sigmoid": {
        "torch.sigmoid": torch.sigmoid,
        "1 / (1 + exp(-a))": lambda a: 1 / (1 + torch.exp(-a)),
        "0.5 (1 + tanh(a / 2))": lambda a: 0.5 * (1 + torch.tanh(a / 2)),
    },
    "tanh": {
        "torch.tanh": torch.tanh,
        "1 - 2 / (exp(2a) + 1)": lambda a: 1 - 2 / (torch.exp(2 * a) + 1),
    },
}


def _excess(got: torch.Tensor, a: torch.Tensor, act: functions.Activation, dtype: str):
    """max over the inputs of |error| / (*); inf where a finite value came back non-finite."""
    exact = act.f(a.double().numpy())
    value = got.double().numpy()
    u = unit_roundoff(dtype)
    allowed = act.c_rel * u * np.abs(exact) + act.c_abs * u
    with np.errstate(invalid="ignore"):
        err = np.where(np.isfinite(value), np.abs(value - exact), np.inf)
    return float(np.max(err / allowed))


@pytest.mark.parametrize("dtype", list(INPUTS))
@pytest.mark.parametrize(
    "name, form", [(n, f) for n, forms in SOUND.items() for f in forms], ids=lambda v: str(v)
)
def test_sound_formulations_are_within_the_stated_error(name, form, dtype):
    a = INPUTS[dtype]()
    with np.errstate(over="ignore"):
        got = SOUND[name][form](a)
    assert _excess(got, a, functions.activation(name), dtype) <= 1.0


@pytest.mark.parametrize("dtype", list(INPUTS))
def test_exp_over_one_plus_exp_overflows_to_nan_outside_the_bound(dtype):
    """exp(a) / (1 + exp(a)) is inf / inf past log(largest number): unsafe, and the bound
    says so."""
    a = INPUTS[dtype]()
    got = torch.exp(a) / (1 + torch.exp(a))
    assert torch.isnan(got).any()
    assert _excess(got, a, functions.SIGMOID, dtype) == np.inf


@pytest.mark.parametrize("dtype", list(INPUTS))
@pytest.mark.parametrize("name", ["exp", "log", "log1p"])
def test_the_library_functions_the_heads_use_are_within_their_constants(name, dtype):
    a = INPUTS[dtype]()
    if name in ("log", "log1p"):
        a = a[a > (0 if name == "log" else -1)]
    got = getattr(torch, name)(a).double().numpy()
    with np.errstate(over="ignore"):  # bfloat16's range overflows even float64's exp
        exact = getattr(np, name)(a.double().numpy())
    info = torch.finfo(a.dtype)
    # where the exact result is within the dtype's normal range: overflow and underflow are
    # not rounding
    finite = np.isfinite(got) & (np.abs(exact) > info.tiny) & (np.abs(exact) < info.max)
    rel = np.abs(got[finite] - exact[finite]) / np.abs(exact[finite]) / unit_roundoff(dtype)
    assert rel.max() <= LIBRARY[name]


def test_every_name_a_declaration_may_use_has_its_entry():
    for name in declaration.HIDDEN:
        assert functions.activation(name).name.startswith(name)
    assert set(declaration.LOSSES) == set(functions.LOSSES)


@pytest.mark.parametrize("name", list(functions.WRONG_DERIVATIVES))
def test_every_wrong_derivative_differs_from_the_right_one(name):
    """A hypothesis the diagnosis tests must differ from sigma' somewhere it is looked at."""
    act = functions.activation(name if name != "leaky_relu" else "leaky_relu:0.1")
    a = np.linspace(-3, 3, 61)
    for words, wrong in functions.WRONG_DERIVATIVES[name]:
        assert np.any(np.abs(wrong(a) - act.df(a)) > 1e-3), words


def test_relu_like_derivatives_at_the_kink_follow_the_declaration():
    a = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    for grad_at_zero, expected in ((0, 0.0), (1, 1.0)):
        act = functions.activation("relu", grad_at_zero)
        (g,) = torch.autograd.grad(act.torch_f(a).sum(), a)
        assert float(g) == expected == float(act.df(np.zeros(1))[0])
    leaky = functions.activation("leaky_relu:0.1")
    (g,) = torch.autograd.grad(leaky.torch_f(a).sum(), a)
    assert float(g) == pytest.approx(0.1) and float(leaky.df(np.zeros(1))[0]) == pytest.approx(0.1)
