"""The bundled packages' public API: errors for bad input, dtypes and devices kept, inputs
unchanged, and no autograd in `impl`'s manual path."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import impl
import reference

ARRAY = {"reference": np.asarray, "impl": torch.as_tensor}
PACKAGE = {"reference": reference, "impl": impl}


@pytest.fixture(params=["reference", "impl"])
def pkg(request):
    """(package, array constructor) for each bundled implementation."""
    return PACKAGE[request.param], ARRAY[request.param]


def _problem(arr, dtype="float32", d=2, h=4):
    rng = np.random.default_rng(0)
    W1, b1, W2, b2 = (
        arr(rng.standard_normal(s).astype(dtype)) for s in ((h, d), (h,), (1, h), (1,))
    )
    x = arr(rng.standard_normal(d).astype(dtype))
    X = arr(rng.standard_normal((5, d)).astype(dtype))
    y = arr(rng.standard_normal(5).astype(dtype))
    return x, (W1, b1, W2, b2), X, y


def _copy(a):
    return a.clone() if isinstance(a, torch.Tensor) else a.copy()


def _raises(exc, match, fn, *args, **kwargs):
    with pytest.raises(exc, match=match):
        fn(*args, **kwargs)


BAD_FORWARD = [
    # (description, mutate(x, params) -> (x, params), exception, message pattern)
    (
        "x rank",
        lambda x, p: (x[None, :], p),
        ValueError,
        r"x must have shape \(d,\) = \(2,\), got \(1, 2\)",
    ),
    (
        "x width",
        lambda x, p: (x[:1], p),
        ValueError,
        r"x must have shape \(d,\) = \(2,\), got \(1,\)",
    ),
    (
        "W1 rank",
        lambda x, p: (x, (p[0][0], *p[1:])),
        ValueError,
        r"W1 must be 2-D with shape \(h, d\), got shape \(2,\)",
    ),
    (
        "b1 length",
        lambda x, p: (x, (p[0], p[1][:3], *p[2:])),
        ValueError,
        r"b1 must have shape \(h,\) = \(4,\) for W1 of shape \(4, 2\), got \(3,\)",
    ),
    (
        "W2 transposed",
        lambda x, p: (x, (p[0], p[1], p[2].T, p[3])),
        ValueError,
        r"W2 must have shape \(1, h\) = \(1, 4\) .* got \(4, 1\)",
    ),
    (
        "W2 flat",
        lambda x, p: (x, (p[0], p[1], p[2][0], p[3])),
        ValueError,
        r"W2 must have shape \(1, h\) = \(1, 4\) .* got \(4,\)",
    ),
    (
        "b2 scalar",
        lambda x, p: (x, (*p[:3], p[3].reshape(()))),
        ValueError,
        r"b2 must have shape \(1,\), got \(\)$",
    ),
    (
        "W1 transposed",
        lambda x, p: (x, (p[0].T, *p[1:])),
        ValueError,
        r"W1 looks transposed: W1 must have shape \(h, d\) = \(4, 2\) for b1 of shape \(4,\) "
        r"and W2 of shape \(1, 4\), got \(2, 4\)$",
    ),
]


@pytest.mark.parametrize("case", BAD_FORWARD, ids=[c[0] for c in BAD_FORWARD])
def test_forward_rejects_bad_shapes(pkg, case):
    mod, arr = pkg
    _, mutate, exc, pattern = case
    x, params, _, _ = _problem(arr)
    x, params = mutate(x, params)
    _raises(exc, "forward: " + pattern, mod.forward, x, *params)


def test_backward_says_W1_looks_transposed(pkg):
    mod, arr = pkg
    x, (W1, b1, W2, b2), _, y = _problem(arr)
    a1, h, f = mod.forward(x, W1, b1, W2, b2)
    _raises(
        ValueError,
        r"^backward: W1 looks transposed: W1 must have shape \(h, d\) = \(4, 2\) for W2 of "
        r"shape \(1, 4\), got \(2, 4\)$",
        mod.backward,
        x,
        y[0],
        a1,
        h,
        f,
        W1.T,
        W2,
    )


def test_a_wrong_b1_is_not_blamed_on_W1():
    """b1 matching neither axis of W1: b1 is named, W1 is not said to be transposed."""
    x, (W1, b1, W2, b2), _, _ = _problem(np.asarray)
    _raises(ValueError, r"forward: b1 must have shape", reference.forward, x, W1, b1[:3], W2, b2)


def test_mixed_dtypes_rejected(pkg):
    mod, arr = pkg
    x, (W1, b1, W2, b2), _, _ = _problem(arr)
    x64 = arr(np.asarray(x).astype("float64")) if mod is reference else x.double()
    _raises(
        TypeError,
        r"forward: mixed dtypes: x is float64 but W1 is float32",
        mod.forward,
        x64,
        W1,
        b1,
        W2,
        b2,
    )


def test_integer_dtype_rejected(pkg):
    mod, arr = pkg
    _x, params, _, _ = _problem(arr)
    xi = arr(np.array([1, 2]))
    _raises(
        TypeError,
        r"forward: x has dtype int64; expected a floating dtype",
        mod.forward,
        xi,
        *params,
    )


FORWARD_ARGS = ("x", "W1", "b1", "W2", "b2")
BACKWARD_ARGS = ("x", "y", "a1", "h", "f", "W1", "W2")


def _with_bad(args: tuple, names: tuple[str, ...], name: str, bad: float) -> tuple:
    """args with one element of `name` (its last; the only one of a scalar) set to `bad`."""
    i = names.index(name)
    a = _copy(args[i])
    a.reshape(-1)[-1] = bad
    return (*args[:i], a, *args[i + 1 :])


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("name", FORWARD_ARGS)
def test_forward_rejects_non_finite(pkg, name, bad):
    mod, arr = pkg
    x, params, _, _ = _problem(arr)
    args = _with_bad((x, *params), FORWARD_ARGS, name, bad)
    _raises(ValueError, rf"forward: {name} contains NaN or Inf", mod.forward, *args)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("name", BACKWARD_ARGS)
def test_backward_rejects_non_finite(pkg, name, bad):
    mod, arr = pkg
    x, params, _, y = _problem(arr)
    a1, h, f = mod.forward(x, *params)
    args = _with_bad((x, arr(y[0]), a1, h, f, params[0], params[2]), BACKWARD_ARGS, name, bad)
    _raises(ValueError, rf"backward: {name} contains NaN or Inf", mod.backward, *args)


def test_wrong_container_rejected(pkg):
    mod, arr = pkg
    _x, params, _, _ = _problem(arr)
    _raises(
        TypeError,
        r"forward: x must be a (numpy.ndarray|torch.Tensor), got list",
        mod.forward,
        [0.0, 1.0],
        *params,
    )


def test_backward_rejects_non_scalar_y(pkg):
    mod, arr = pkg
    x, params, _, y = _problem(arr)
    a1, h, f = mod.forward(x, *params)
    _raises(
        ValueError,
        r"backward: y must be a scalar \(0-d\), got shape \(5,\)",
        mod.backward,
        x,
        y,
        a1,
        h,
        f,
        params[0],
        params[2],
    )
    _raises(
        ValueError,
        r"backward: a1 must have shape \(h,\) = \(4,\), got \(3,\)",
        mod.backward,
        x,
        y[0],
        a1[:3],
        h,
        f,
        params[0],
        params[2],
    )


def test_backward_accepts_python_float_targets(pkg):
    mod, arr = pkg
    x, params, _, y = _problem(arr)
    a1, h, f = mod.forward(x, *params)
    by_float = mod.backward(x, float(y[0]), a1, h, f, params[0], params[2])
    by_array = mod.backward(x, y[0], a1, h, f, params[0], params[2])
    for a, b in zip(by_float, by_array):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


@pytest.mark.parametrize("target", [1, np.int64(1), True], ids=["int", "np.int64", "bool"])
def test_backward_rejects_integer_targets_as_it_rejects_integer_arrays(pkg, target):
    mod, arr = pkg
    x, params, _, _ = _problem(arr)
    a1, h, f = mod.forward(x, *params)
    with pytest.raises(TypeError, match=r"^backward: y (has dtype|must be|is a Python int)"):
        mod.backward(x, target, a1, h, f, params[0], params[2])
    with pytest.raises(TypeError, match=r"^backward: y has dtype int64; expected a floating"):
        mod.backward(x, arr(np.array(1)), a1, h, f, params[0], params[2])


def test_python_int_is_named_as_such(pkg):
    mod, arr = pkg
    x, params, _, _ = _problem(arr)
    a1, h, f = mod.forward(x, *params)
    with pytest.raises(
        TypeError,
        match=r"^backward: y is a Python int \(1\); expected a floating dtype "
        r"\((b?float(16|32|64)(, )?)+\) or a Python float$",
    ):
        mod.backward(x, 1, a1, h, f, params[0], params[2])
    with pytest.raises(TypeError, match=r"^loss: y is a Python int \(2\)"):
        mod.loss(f, 2)


@pytest.mark.parametrize(
    "change, pattern",
    [
        (lambda X, y, p: (X[:, :1], y, p), r"X must have shape \(B, d\) = \(B, 2\), got \(5, 1\)"),
        (lambda X, y, p: (X, y[:4], p), r"y must have shape \(B,\) = \(5,\), got \(4,\)"),
        (
            lambda X, y, p: (X, y, p[:3]),
            r"params must be a tuple \(W1, b1, W2, b2\), got tuple of length 3",
        ),
    ],
    ids=["X width", "y length", "params length"],
)
def test_train_rejects_bad_input(pkg, change, pattern):
    mod, arr = pkg
    _, params, X, y = _problem(arr)
    X, y, params = change(X, y, params)
    with pytest.raises((ValueError, TypeError), match="train: " + pattern):
        mod.train(params, X, y, epochs=1)


@pytest.mark.parametrize("lr", [float("nan"), "0.1", None])
def test_train_rejects_bad_lr(pkg, lr):
    mod, arr = pkg
    _, params, X, y = _problem(arr)
    _raises(ValueError, "train: lr must be a finite real number", mod.train, params, X, y, lr=lr)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_outputs_keep_dtype_and_inputs_unchanged(pkg, dtype):
    mod, arr = pkg
    x, params, X, y = _problem(arr, dtype)
    before = [_copy(a) for a in (x, *params, X, y)]
    a1, h, f = mod.forward(x, *params)
    grads = mod.backward(x, y[0], a1, h, f, params[0], params[2])
    trained, _ = mod.train(params, X, y, epochs=2)
    for name, out in zip(("a1", "h", "f", "dW1", "db1", "dW2", "db2"), (a1, h, f, *grads)):
        assert str(out.dtype).removeprefix("torch.") == dtype, (
            f"{name}.dtype={out.dtype}, expected {dtype}"
        )
    for p, g, t in zip(params, grads, trained):
        assert tuple(g.shape) == tuple(p.shape) == tuple(t.shape)
    assert tuple(f.shape) == ()
    for a, b in zip(before, (x, *params, X, y)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_impl_bfloat16_kept():
    x, params, X, y = _problem(torch.as_tensor)
    x, params, X, y = x.bfloat16(), [p.bfloat16() for p in params], X.bfloat16(), y.bfloat16()
    a1, h, f = impl.forward(x, *params)
    grads = impl.backward(x, y[0], a1, h, f, params[0], params[2])
    trained, _ = impl.train(params, X, y, epochs=1)
    assert {t.dtype for t in (a1, h, f, *grads, *trained)} == {torch.bfloat16}


def test_impl_rejects_requires_grad():
    x, (W1, b1, W2, b2), _, _ = _problem(torch.as_tensor)
    W1 = W1.clone().requires_grad_()
    _raises(
        ValueError,
        r"forward: W1 requires grad; .* pass W1.detach\(\)",
        impl.forward,
        x,
        W1,
        b1,
        W2,
        b2,
    )


def test_impl_rejects_mixed_devices():
    if not torch.cuda.is_available():
        pytest.skip("mixing devices needs a second device (no CUDA here)")
    x, (W1, b1, W2, b2), _, _ = _problem(torch.as_tensor)
    _raises(ValueError, r"forward: .* is on cuda", impl.forward, x, W1.cuda(), b1, W2, b2)


def test_impl_never_uses_autograd(monkeypatch):
    """forward, backward and train run under inference_mode with autograd's entry points gone."""

    def refuse(*args, **kwargs):
        raise AssertionError("autograd was called")

    for name in ("backward", "grad"):
        monkeypatch.setattr(torch.autograd, name, refuse)
    monkeypatch.setattr(torch.Tensor, "backward", refuse)
    x, params, X, y = _problem(torch.as_tensor)
    with torch.inference_mode():
        a1, h, f = impl.forward(x, *params)
        grads = impl.backward(x, y[0], a1, h, f, params[0], params[2])
        trained, losses = impl.train(params, X, y, epochs=2)
    outs = (a1, h, f, *grads, *trained, losses)
    assert all(t.grad_fn is None and not t.requires_grad for t in outs)
    with torch.no_grad():
        impl.train(params, X, y, epochs=1)
