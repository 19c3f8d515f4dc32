"""Properties of a declared network's gradient that hold for every input (Hypothesis):

* on any small problem of the declared shape, every gradient within the layered bound of the
  float64 reference (`tolerances.layers`);
* a unit that ReLU holds at 0 for every sample gives exactly 0 in its row of dW, its entry of
  db, and its column of the next layer's dW (0 times anything is 0, in any order);
* a zero residual (the output layer's W = 0 and y = b, with an identity output and a squared
  loss) gives exactly 0 for every gradient.

Effort (`--parity-hypothesis`): fast (30 examples) or thorough (300), derandomised.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings

from mlp_parity import compare, network_checks, network_strategies
from mlp_parity.network_cases import NetCase, NetInputs
from mlp_parity.reference import network as refnet

EFFORT = {
    name: settings(max_examples=n, deadline=None, derandomize=True, database=None)
    for name, n in (("fast", 30), ("thorough", 300))
}


def _given(implementation, selected_dtypes, effort: str):
    dtypes = tuple(d for d in selected_dtypes if d in implementation.dtypes)
    if not dtypes:
        pytest.skip(
            f"{implementation.name} supports none of --parity-dtypes={','.join(selected_dtypes)}"
        )
    net = implementation.declared.net

    def decorate(prop):
        return EFFORT[effort](given(network_strategies.problems(net, dtypes))(prop))

    return decorate


def _problem(implementation, drawn, inputs: NetInputs | None = None) -> network_checks.Problem:
    case = NetCase(0, drawn.arch, drawn.dtype, "cpu", 0, implementation.declared.net.hidden)
    return network_checks.Problem(implementation, case, inputs or drawn.inputs)


def _where(p, what: str) -> compare.Where:
    """The property's comparisons: named as the reference check's, without a rerun line of
    their own (the property's, with its Hypothesis effort, follows the failure)."""
    return compare.Where("properties", p.impl.name, p.case, sample_axis=p.per_sample, pattern=what)


def test_net_property_matches_reference(implementation, selected_dtypes, hypothesis_effort):
    @_given(implementation, selected_dtypes, hypothesis_effort)
    def prop(drawn):
        p = _problem(implementation, drawn)
        where = _where(p, "a problem drawn by Hypothesis")
        out = network_checks.call_module(p, where)
        network_checks._compare_grads(p, out, p.bounds(), where)

    prop()


def _exactly_zero(p, out, masks: list[np.ndarray], what: str) -> None:
    where = _where(p, what)
    for name, g, m in zip(p.tensor_names(), out.grads, p.user(masks)):
        if not np.any(m):
            continue
        actual = g.double().cpu().numpy()
        expected = np.zeros_like(actual)
        allowed = np.where(m, 0.0, np.inf)
        compare.expect_close(actual, expected, allowed, tensor=name, where=where, note=what)


def test_net_property_dead_units_give_zero_rows(implementation, selected_dtypes, hypothesis_effort):
    net = implementation.declared.net
    if not any(h == "relu" for h in net.hidden):
        pytest.skip(
            f"{implementation.name}: no ReLU layer (a dead unit's output is exactly 0 only there)"
        )
    if net.penalty is not None:
        pytest.skip(f"{implementation.name}: a penalty's gradient fills a dead unit's row")

    @_given(implementation, selected_dtypes, hypothesis_effort)
    def prop(drawn):
        if implementation.declared.protocol == "sgd_step" or not net.bias:
            return  # an update, or no bias to hold a unit at 0 with
        acts = net.hidden_at(drawn.arch.depth)
        relu = [i for i, a in enumerate(acts) if a == "relu"]
        if not relu:
            return
        layers = [(W.copy(), b.copy()) for W, b in drawn.inputs.layers]
        l = relu[0]
        H = refnet.forward(net, layers, drawn.inputs.X)[1][l]  # what feeds layer l + 1
        W, b = layers[l]
        b[0] = -(np.abs(H).max(initial=0.0) * np.abs(W[0]).sum() + 1.0)  # unit 0 of layer l+1: dead
        p = _problem(implementation, drawn, dataclasses.replace(drawn.inputs, layers=tuple(layers)))
        out = network_checks.call_module(p, _where(p, "unit 0 held at 0 by its bias"))
        masks = [np.zeros(a.shape, bool) for a in network_checks._params_of(p)]
        names = p.names
        for j, n in enumerate(names):
            layer = int(n[1:]) - 1
            if layer == l:
                masks[j][0] = True  # row 0 of dW, entry 0 of db
            elif layer == l + 1 and n.startswith("W"):
                masks[j][:, 0] = True  # column 0 of the next dW
        if p.per_sample:
            masks = [np.broadcast_to(m, (p.B, *m.shape)) for m in masks]
        _exactly_zero(
            p, out, masks, f"unit 0 of layer {l + 1} is 0 for every sample (ReLU of a < 0)"
        )

    prop()


def test_net_property_zero_residual_gives_zero_gradients(
    implementation, selected_dtypes, hypothesis_effort
):
    net = implementation.declared.net
    if net.output != "identity" or net.loss not in ("half_squared", "squared"):
        pytest.skip(
            f"{implementation.name}: f = y is exact only with an identity output and a squared loss"
        )
    if net.penalty is not None:
        pytest.skip(f"{implementation.name}: a penalty's gradient is not 0 at f = y")

    @_given(implementation, selected_dtypes, hypothesis_effort)
    def prop(drawn):
        if implementation.declared.protocol == "sgd_step":
            return
        layers = [(W.copy(), None if b is None else b.copy()) for W, b in drawn.inputs.layers]
        W, b = layers[-1]
        W[:] = 0.0
        Y = np.broadcast_to(b if b is not None else 0.0, drawn.inputs.Y.shape).copy()
        p = _problem(
            implementation, drawn, dataclasses.replace(drawn.inputs, layers=tuple(layers), Y=Y)
        )
        out = network_checks.call_module(p, _where(p, "f = y exactly"))
        masks = [np.ones(a.shape, bool) for a in network_checks._params_of(p)]
        if p.per_sample:
            masks = [np.broadcast_to(m, (p.B, *m.shape)) for m in masks]
        _exactly_zero(p, out, masks, "the output layer's W = 0 and y = its b: f = y exactly")

    prop()
