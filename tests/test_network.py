"""The engine of declared networks: the door's conventions, every check on correct modules of
each style, planted bugs caught by the check built for them, and a diagnosis that names a
declaration mismatch as one.

Each test builds its modules as files (`write`), loads them as a user's run would
(`external.load`), and runs the checks in process (`run_checks`)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

from mlp_parity import (
    checks,
    compare,
    door,
    external,
    network_cases,
    network_checks,
    network_diagnose,
    network_training,
    preflight,
)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = (
    "sklearn_style",
    "nielsen_style",
    "no_bias_squared",
    "any_depth_leaky",
    "cs231n_style",
    "dlai_style",
)


def write(tmp_path: Path, name: str, source: str) -> external.Implementation:
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(source))
    return external.load(str(path), str(tmp_path))


def run_checks(impl, seeds=(0,), dtypes=("float64", "float32"), only=None, training=False):
    """Every applicable check of `impl` on its cases (and its training run); the failures."""
    cases = network_cases.make_cases(impl.declared.net, seeds, dtypes, ["cpu"], wide=False)
    failures = network_checks.sweep(impl, cases, only)
    if training:
        try:
            network_training.expect_trajectory(impl)
        except compare.ParityError as exc:
            failures.append(
                checks.Failure("training", None, str(exc), exc.kind, exc.tensor, impl.name)
            )
    return failures


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_example_passes_every_check(name):
    impl = external.load(str(ROOT / "examples" / f"{name}.py"), str(ROOT))
    failures = run_checks(impl, training=True)
    assert not failures, failures[0].message


TANH = """
    import torch
    MLP_PARITY = {"hidden": "tanh", "reduction": "sum", "depth": "any", "outputs": "any"}
    HALF = 0.5
    def loss_and_grads(params, X, Y):
        Ws, bs = params[0::2], params[1::2]
        hs, pre, h = [X], [], X
        for i, (W, b) in enumerate(zip(Ws, bs)):
            a = h @ W + b
            pre.append(a)
            h = torch.tanh(a) if i < len(Ws) - 1 else a
            hs.append(h)
        r = h - Y
        loss = HALF * (r * r).sum()
        grads = [None] * len(params)
        g = 2 * HALF * r
        for i in range(len(Ws) - 1, -1, -1):
            grads[2 * i] = hs[i].T @ g
            grads[2 * i + 1] = g.sum(0)
            if i:
                g = (g @ Ws[i].T) * DERIVATIVE
        return loss, grads
"""


def tanh_module(tmp_path, name: str, derivative: str = "(1 - hs[i] ** 2)", half: str = "0.5"):
    source = TANH.replace("DERIVATIVE", derivative).replace("HALF = 0.5", f"HALF = {half}")
    return write(tmp_path, name, source)


def diagnosed(impl, failures) -> list:
    return network_diagnose.diagnose_declared(impl, failures)


def test_a_derivative_taken_at_the_pre_activation_is_caught_and_named(tmp_path):
    impl = tanh_module(tmp_path, "tanh_at_a", "(1 - pre[i - 1] ** 2)")
    failures = run_checks(impl, only=("backward", "autograd", "vmap"))
    assert {f.check for f in failures} == {"backward", "autograd", "vmap"}
    first = diagnosed(impl, failures)[0]
    assert first.pattern == "activation-derivative" and "1 - a^2" in first.evidence


def test_a_loss_without_its_half_is_named_as_a_declaration(tmp_path):
    impl = tanh_module(tmp_path, "no_half", half="1.0")
    failures = run_checks(impl, only=("forward", "backward"))
    assert failures
    first = diagnosed(impl, failures)[0]
    assert first.pattern == "declaration" and "loss='squared'" in first.evidence


def test_a_right_loss_with_gradients_no_pattern_fits_is_inconsistent():
    """Softmax cross-entropy's gradient without the one-hot subtraction (p for p - y): no
    pattern fits its gradients, its loss is right: the gradient is not the loss's."""
    path = ROOT / "tests" / "mutants_declared" / "softmax_ce__grad_missing_onehot_subtraction.py"
    impl = external.load(str(path), str(ROOT))
    first = diagnosed(impl, run_checks(impl, only=("forward", "backward")))[0]
    assert first.pattern == "inconsistent" and "not its gradient" in first.evidence


def test_right_gradients_with_a_loss_that_is_not_theirs_is_inconsistent(tmp_path):
    """The loss squares the residual's absolute value to the power 3 (a typo), the gradients
    are the declared loss's: the cost function is named, in the forward."""
    source = TANH.replace("loss = HALF * (r * r).sum()", "loss = HALF * (r.abs() ** 3).sum()")
    impl = write(tmp_path, "cubed", source.replace("DERIVATIVE", "(1 - hs[i] ** 2)"))
    first = diagnosed(impl, run_checks(impl, only=("forward", "backward")))[0]
    assert first.pattern == "inconsistent" and first.location.startswith("forward")
    assert "the loss it returns is not" in first.evidence


def test_a_gradient_that_is_not_the_gradient_of_its_loss_is_inconsistent(tmp_path):
    """The loss keeps its 1/2, the gradient drops it: no declaration fits both."""
    source = TANH.replace("g = 2 * HALF * r", "g = 2 * r").replace("DERIVATIVE", "(1 - hs[i] ** 2)")
    impl = write(tmp_path, "grad_twice", source)
    first = diagnosed(impl, run_checks(impl, only=("forward", "backward")))[0]
    assert first.pattern == "inconsistent", first


RELU_GE = """
    import torch
    MLP_PARITY = {"hidden": "relu", "layout": "columns", "bias_shape": "column", "depth": 2}
    def grads(params, X, Y):
        (W1, b1, W2, b2, W3, b3) = params
        A1 = W1 @ X + b1; H1 = A1.clamp(min=0)
        A2 = W2 @ H1 + b2; H2 = A2.clamp(min=0)
        F = W3 @ H2 + b3
        G = (F - Y) / X.shape[1]
        out = [None] * 6
        out[4], out[5] = G @ H2.T, G.sum(1, keepdim=True)
        G = (W3.T @ G) * (A2 MASK 0)
        out[2], out[3] = G @ H1.T, G.sum(1, keepdim=True)
        G = (W2.T @ G) * (A1 MASK 0)
        out[0], out[1] = G @ X.T, G.sum(1, keepdim=True)
        return out
"""


def test_relu_at_its_kink_follows_the_declaration(tmp_path):
    right = write(tmp_path, "relu_gt", RELU_GE.replace("MASK", ">"))
    assert not run_checks(right, only=("kink",))
    wrong = write(tmp_path, "relu_ge", RELU_GE.replace("MASK", ">="))
    failures = run_checks(wrong, only=("kink", "backward"))
    assert any(f.check == "kink" for f in failures)
    first = diagnosed(wrong, failures)[0]
    assert first.pattern == "declaration" and "relu_grad_at_zero=1" in first.evidence


SEEN = """
    import numpy as np
    MLP_PARITY = DECLARATION
    SEEN = []
    def loss_and_grads(params, X, Y):
        SEEN.append((type(params).__name__, {k: v.shape for k, v in params.items()}, X.shape, Y.shape, Y.dtype))
        return 0.0, {"d" + k: np.zeros_like(v) for k, v in params.items()}
"""


@pytest.mark.parametrize(
    "declared, shapes",
    [
        ({"layout": "rows"}, {"W1": (2, 4), "b1": (4,), "X": (1, 2), "Y": (1, 1)}),
        (
            {"layout": "columns", "bias_shape": "column"},
            {"W1": (4, 2), "b1": (4, 1), "X": (2, 1), "Y": (1, 1)},
        ),
        (
            {"bias_shape": "row", "outputs": 3},
            {"W1": (2, 4), "b1": (1, 4), "X": (1, 2), "Y": (1, 3)},
        ),
        (
            {"batch": "per-sample", "sample_shape": "column", "layout": "columns"},
            {"X": (2, 1), "Y": (1, 1)},
        ),
        ({"targets": "flat"}, {"X": (1, 2), "Y": (1,)}),
        (
            {"loss": "softmax_cross_entropy", "labels": "index", "outputs": 3},
            {"X": (1, 2), "Y": (1,)},
        ),
    ],
)
def test_the_module_sees_its_own_conventions(tmp_path, declared, shapes):
    decl = {"params": "dict", "framework": "numpy", **declared}
    impl = write(tmp_path, "seen", SEEN.replace("DECLARATION", repr(decl)))
    net = impl.declared.net
    case = network_cases.make_cases(net, [0], ["float64"], ["cpu"], wide=False)[0]
    p = network_checks.Problem(impl, case, network_cases.inputs(net, case))
    network_checks.call_module(p, network_checks._where("backward", impl, case))
    kind, params, X, Y, ydtype = impl.module.SEEN[-1]
    assert kind == "dict"
    got = {**params, "X": X, "Y": Y}
    assert {k: got[k] for k in shapes} == shapes
    if net.index_labels:
        assert ydtype == np.int64


@pytest.mark.parametrize("loss", ["float(L)", "np.float64(L)", "np.asarray(L)", "L.reshape(1)"])
def test_the_loss_may_come_in_any_scalar_form(tmp_path, loss):
    source = f"""
        import numpy as np
        MLP_PARITY = {{"framework": "numpy", "params": "dict", "hidden": "identity"}}
        def loss_and_grads(params, X, Y):
            W1, b1, W2, b2 = (params[k] for k in ("W1", "b1", "W2", "b2"))
            H = X @ W1 + b1
            R = (H @ W2 + b2) - Y
            L = 0.5 * np.sum(R * R) / X.shape[0]
            G = R / X.shape[0]
            dH = G @ W2.T
            return {loss}, {{"dW1": X.T @ dH, "db1": dH.sum(0), "W2": H.T @ G, "b2": G.sum(0), "dA1": dH}}
    """
    impl = write(tmp_path, "loss_forms", source)
    assert not run_checks(impl, only=("forward", "backward"))


def test_a_loss_less_precise_than_its_inputs_is_a_dtype_failure(tmp_path):
    source = """
        import torch
        MLP_PARITY = {"hidden": "identity", "depth": 1}
        def loss_and_grads(params, X, Y):
            W1, b1, W2, b2 = params
            H = X @ W1 + b1
            R = (H @ W2 + b2) - Y
            G = R / X.shape[0]
            dH = G @ W2.T
            loss = (0.5 * (R * R).sum() / X.shape[0]).to(torch.float16)
            return loss, [X.T @ dH, dH.sum(0), H.T @ G, G.sum(0)]
    """
    impl = write(tmp_path, "loss_half", source)
    failures = run_checks(impl, dtypes=("float32",), only=("forward",))
    assert failures and failures[0].kind == compare.DTYPE


def test_sgd_step_may_update_in_place_or_return_new_parameters(tmp_path):
    body = """
        import torch
        MLP_PARITY = {"hidden": "tanh", "batch": "per-sample", "layout": "columns"}
        def sgd_step(params, x, y, lr):
            W1, b1, W2, b2 = params
            h = torch.tanh(W1 @ x + b1)
            r = W2 @ h + b2 - y
            g = (W2.T @ r) * (1 - h * h)
            new = [W1 - lr * torch.outer(g, x), b1 - lr * g, W2 - lr * torch.outer(r, h), b2 - lr * r]
            RETURN
    """
    returned = write(tmp_path, "step_new", body.replace("RETURN", "return new"))
    inplace = write(
        tmp_path,
        "step_inplace",
        body.replace("RETURN", "for p, n in zip(params, new):\n                p.copy_(n)"),
    )
    for impl in (returned, inplace):
        assert not run_checks(impl, training=True), impl.name


def test_a_module_with_the_seeds_backward_and_a_declaration_is_refused(tmp_path):
    path = tmp_path / "both.py"
    path.write_text("MLP_PARITY = {}\ndef forward(*a): pass\ndef backward(*a): pass\n")
    with pytest.raises(external.ImplementationError, match="remove one of the two"):
        external.load(str(path), str(tmp_path))


def test_declaration_options_are_refused_for_the_seed_network():
    with pytest.raises(external.ImplementationError, match="whose declaration is fixed"):
        external.load("impl", str(ROOT), {"hidden": "tanh"})


def test_a_declaration_error_is_one_line_at_load(tmp_path):
    path = tmp_path / "typo.py"
    path.write_text("MLP_PARITY = {'hiden': 'tanh'}\ndef grads(p, X, Y): pass\n")
    with pytest.raises(external.ImplementationError) as info:
        external.load(str(path), str(tmp_path))
    assert "did you mean 'hidden'" in str(info.value) and "\n" not in str(info.value)


def test_the_preflight_names_a_structure_the_declaration_does_not_have(tmp_path):
    source = """
        import torch
        MLP_PARITY = {"params": "dict"}
        def grads(params, X, Y):
            return [torch.zeros_like(v) for v in params.values()]
    """
    impl = write(tmp_path, "list_for_dict", source)
    with pytest.raises(preflight.PreflightError, match="params is declared 'dict'"):
        preflight.check_implementation(impl)


def test_weight_gradients_in_the_other_layout_are_named_transposed(tmp_path):
    """dW returned (out, in) for weights given (in, out): a transposition, with the layout
    named (the module took its weights as declared, so the declaration is not the fault)."""
    source = """
        import torch
        MLP_PARITY = {"hidden": "identity", "layout": "rows"}
        def grads(params, X, Y):
            W1, b1, W2, b2 = params
            H = X @ W1 + b1
            G = ((H @ W2 + b2) - Y) / X.shape[0]
            dH = G @ W2.T
            return [(X.T @ dH).T.contiguous(), dH.sum(0), (H.T @ G).T.contiguous(), G.sum(0)]
    """
    impl = write(tmp_path, "columns_grads", source)
    failures = run_checks(impl, only=("backward",))
    found = diagnosed(impl, failures)
    assert found[0].pattern == "transposed" and "layout='rows'" in found[0].evidence


def test_door_reads_grads_keyed_either_way_and_ignores_extra_entries():
    raw = {"dW1": 1, "b1": 2, "dA1": 3, "W2": 4, "db2": 5}
    net = network_cases.Network(params="dict")
    assert door.grads_list(raw, ["W1", "b1", "W2", "b2"], net, "grads") == [1, 2, 4, 5]
    with pytest.raises(door.FormError, match="without dW2"):
        door.grads_list({"dW1": 1}, ["W1", "W2"], net, "grads")


def test_the_function_door_takes_one_declared_function_and_its_keys(tmp_path):
    """check(grads, **declaration): a notebook's one function, named for its protocol, the
    declaration given as keywords."""
    from mlp_parity import api

    def grads(params, X, Y):
        W1, b1, W2, b2 = params
        H = X @ W1 + b1
        G = ((H @ W2 + b2) - Y) / X.shape[0]
        dH = G @ W2.T
        return [X.T @ dH, dH.sum(0), H.T @ G, G.sum(0)]

    result = api.check(grads, hidden="identity", quick=True, dtypes="float64")
    assert result.passed, result
    with pytest.raises(
        api.CheckError, match=r"hiden=: not a keyword of check \(did you mean hidden=\?\)"
    ):
        api.check(grads, hiden="identity")


def test_the_commands_declaration_options_override_the_module(tmp_path, capsys):
    """A module whose code has no 1/2 but declares half_squared fails; `--loss squared`
    says what it does, and it passes."""
    from mlp_parity import cli

    path = tmp_path / "no_half.py"
    path.write_text(
        textwrap.dedent(
            TANH.replace("DERIVATIVE", "(1 - hs[i] ** 2)").replace("HALF = 0.5", "HALF = 1.0")
        )
    )
    common = ["check", str(path), "--quick", "--dtypes", "float64", "-q"]
    assert cli.main(common) == 1
    assert cli.main([*common, "--loss", "squared"]) == 0
    assert "PASS" in capsys.readouterr().out
