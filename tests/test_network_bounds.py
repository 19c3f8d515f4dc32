"""The layered bound (`tolerances.layers`): sound for correct computations at every dtype
(torch autograd of the declaration is one), the seed's forward bounds as its depth-1 case, and
not vacuous (a planted error of a few units in the last place fails it)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from mlp_parity.reference import network as refnet

from mlp_parity import declaration, network_cases, network_oracles, tolerances
from mlp_parity.tolerances.layers import Sides, layer_bounds

DECLARATIONS = (
    {},
    {"hidden": "tanh", "depth": "any", "outputs": "any", "reduction": "sum"},
    {"hidden": "sigmoid", "output": "sigmoid", "loss": "squared", "bias": False},
    {"hidden": ["relu", "leaky_relu:0.1"], "outputs": 3, "output_reduction": "mean"},
    {"loss": "softmax_cross_entropy", "labels": "index", "penalty": {"l2": 0.1, "l1": 0.01}},
    {
        "hidden": "tanh",
        "output": "sigmoid",
        "loss": "bce",
        "outputs": 3,
        "penalty": {"l2": 0.1, "per_sample": True},
    },
)


def _grads_and_bounds(net, case):
    inp = network_cases.inputs(net, case)
    layers = list(inp.layers)
    tr = refnet.trace(net, layers, inp.X, inp.Y)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        b = layer_bounds(net, layers, inp.X, inp.Y, tr, Sides(case.dtype))
    ref = [g for pair in refnet.gradients(tr, net.bias) for g in pair if g is not None]
    allowed = [e for pair in zip(b.dW, b.db) for e in pair if e is not None]
    dt = network_cases.TORCH_DTYPES[case.dtype]
    P = tuple(torch.tensor(p, dtype=dt) for p in inp.params)
    _, auto = network_oracles.autograd(
        net, P, torch.tensor(inp.X, dtype=dt), torch.tensor(inp.Y, dtype=dt), False
    )
    return [a.double().numpy() for a in auto], ref, allowed


@pytest.mark.parametrize(
    "keys", DECLARATIONS, ids=lambda k: ",".join(f"{a}={b}" for a, b in k.items()) or "defaults"
)
def test_autograd_at_every_dtype_is_within_the_bound(keys):
    net = declaration.parse((keys, "module"))
    for case in network_cases.make_cases(net, [0, 1], network_cases.DTYPES, ["cpu"], wide=False):
        auto, ref, allowed = _grads_and_bounds(net, case)
        for a, e, t in zip(auto, ref, allowed):
            with np.errstate(invalid="ignore"):
                assert np.all(np.abs(a - e) <= t), case.id


def test_the_bound_is_a_few_units_in_the_last_place_of_a_gradient_at_float64():
    """Not vacuous: at float64 no element's bound exceeds 2^-40 of its tensor's largest
    value (the bound is n u times the magnitudes, n the sums' lengths and the depth), so an
    error of that size in a large element fails it."""
    net = declaration.parse(({"hidden": "tanh", "depth": 2, "outputs": 3}, "module"))
    for case in network_cases.make_cases(net, [0, 1], ["float64"], ["cpu"], wide=False):
        if case.family not in ("typical", "zero-bias", "bf16-ties"):
            continue
        _, ref, allowed = _grads_and_bounds(net, case)
        for e, t in zip(ref, allowed):
            assert t.max() <= 2.0**-40 * np.abs(e).max(), case.id


def test_the_seed_forward_bounds_are_the_depth_one_case():
    """For the seed's network, a1's bound is the seed's exactly; h's and f's no larger (the
    layered bound knows a unit certainly dead gives h = 0 exactly)."""
    from mlp_parity import cases

    net = declaration.SEED
    for case in cases.make_cases([0, 1], cases.SHAPES, cases.DTYPES, ["cpu"]):
        inp = cases.inputs(case)
        X, Y = inp.X, inp.Y[:, None]
        layers = [(inp.W1, inp.b1), (inp.W2, inp.b2)]
        tr = refnet.trace(net, layers, X, Y)
        with np.errstate(over="ignore", invalid="ignore"):
            b = layer_bounds(net, layers, X, Y, tr, Sides(case.dtype))
        H = tr.H[1]
        seed = tolerances.forward_bounds(X, inp.W1, inp.b1, inp.W2, inp.b2, inp.Y, H, case.dtype)
        exact = b.exact[0]
        np.testing.assert_allclose(
            b.a[0], np.where(exact, 0.0, seed["a1"]), rtol=1e-12, err_msg=case.id
        )
        assert np.all(b.h[0] <= seed["h"] * (1 + 1e-12)), case.id  # (the bounds' own rounding)
        assert np.all(b.h[1][:, 0] <= seed["f"] * (1 + 1e-12)), case.id


def test_a_softmax_head_whose_logits_may_move_far_keeps_a_finite_bound():
    """bfloat16, four layers of 67 x 257 x 13 x 11: the logits' allowed error reaches
    hundreds, e^(2e) overflows, but a computed softmax stays in [0, 1]: its error is capped
    there, and every bound stays finite (it overflowed float64 before, and the jvp check's
    sums with it)."""
    keys = {"loss": "softmax_cross_entropy", "labels": "one_hot", "depth": "any", "outputs": "any"}
    net = declaration.parse((keys, "module"))
    case = next(
        c
        for c in network_cases.make_cases(net, [4], ("bfloat16",), ["cpu"], wide=False)
        if "d67h257x13x11" in c.id
    )
    inp = network_cases.inputs(net, case)
    layers = list(inp.layers)
    tr = refnet.trace(net, layers, inp.X, inp.Y)
    b = layer_bounds(net, layers, inp.X, inp.Y, tr, Sides("bfloat16"))
    for e in [*b.dW, *b.db, *b.magnitude_W, *b.magnitude_b]:
        assert np.all(np.isfinite(e)) and float(np.max(e)) < 1e30
