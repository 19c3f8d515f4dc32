"""NumPy reference of the seed network, one line of code per line of mathematics.

    a1 = W1 x + b1            (h,)
    h  = ReLU(a1)             (h,)
    f  = W2 h + b2            scalar
    L  = 1/2 (f - y)^2

    dL/df  = f - y =: r
    dL/dW2 = r h^T            (1, h)
    dL/db2 = r                (1,)
    dL/da1 = W2^T r * 1[a1 > 0]   (ReLU'(0) = 0, PyTorch's convention)
    dL/dW1 = dL/da1 x^T       (h, d)
    dL/db1 = dL/da1           (h,)

The batched functions compute the mean loss over B samples and its gradients (the per-sample
residuals scaled by 1/B). Every function keeps the input dtype (float16, float32, float64).
Public functions validate their arguments; the underscored kernels assume valid input and are
what the training loop calls.
"""

from __future__ import annotations

import numbers

import numpy as np

from . import contract

DTYPES = ("float16", "float32", "float64")


# --------------------------------------------------------------------------- kernels
def relu(a: np.ndarray) -> np.ndarray:
    return np.maximum(a, a.dtype.type(0))


def relu_grad_mask(a: np.ndarray) -> np.ndarray:
    """1[a > 0]: ReLU'(0) = 0."""
    return a > 0


def _forward(x, W1, b1, W2, b2):
    a1 = W1 @ x + b1
    h = relu(a1)
    f = (W2 @ h + b2).reshape(())
    return a1, h, f


def _backward(x, y, a1, h, f, W1, W2):
    r = np.asarray(f - y)  # dL/df
    dW2 = r * h[np.newaxis, :]
    db2 = r.reshape(1).copy()
    da1 = W2[0] * r * relu_grad_mask(a1)
    dW1 = np.outer(da1, x)
    db1 = da1
    return dW1, db1, dW2, db2


def _loss(f, y):
    r = np.asarray(f - y)
    return np.asarray(r.dtype.type(0.5) * r * r)


def _forward_batch(X, W1, b1, W2, b2):
    A1 = X @ W1.T + b1
    H = relu(A1)
    F = H @ W2[0] + b2[0]
    return A1, H, F


def _backward_batch(X, Y, A1, H, F, W1, W2):
    R = (F - Y) / F.dtype.type(F.shape[0])  # d(mean L)/dF_i = (F_i - Y_i) / B
    dW2 = (R @ H)[np.newaxis, :]
    db2 = np.sum(R, keepdims=True)
    dA1 = np.outer(R, W2[0]) * relu_grad_mask(A1)
    dW1 = dA1.T @ X
    db1 = np.sum(dA1, axis=0)
    return dW1, db1, dW2, db2


def _loss_batch(F, Y):
    R = F - Y
    return np.asarray(np.mean(F.dtype.type(0.5) * R * R, dtype=F.dtype))


# --------------------------------------------------------------------------- validation
def _array(fn: str, name: str, value: object) -> np.ndarray:
    if not isinstance(value, np.ndarray):
        raise TypeError(f"{fn}: {name} must be a numpy.ndarray, got {type(value).__name__}")
    return value


def _scalar(fn: str, name: str, value: object, dtype: np.dtype) -> np.ndarray:
    """A 0-d array of `dtype` from a 0-d array, a NumPy scalar or a Python float."""
    contract.check_not_integer(fn, name, value, DTYPES)
    if isinstance(value, numbers.Real) and not isinstance(value, (np.generic, bool)):
        return np.asarray(value, dtype=dtype)
    if not isinstance(value, (np.ndarray, np.generic)):
        raise TypeError(
            f"{fn}: {name} must be a scalar (0-d array or real number), got {type(value).__name__}"
        )
    arr = np.asarray(value)
    if arr.shape != ():
        raise ValueError(f"{fn}: {name} must be a scalar (0-d), got shape {arr.shape}")
    return arr


def _check(fn: str, arrays: dict[str, np.ndarray]) -> str:
    dtype = contract.check_dtypes(fn, {n: str(a.dtype) for n, a in arrays.items()}, DTYPES)
    for name, a in arrays.items():
        contract.check_finite(fn, name, bool(np.isfinite(a).all()))
    return dtype


def check_params(fn: str, W1, b1, W2, b2) -> tuple[int, int]:
    arrays = {n: _array(fn, n, v) for n, v in zip(("W1", "b1", "W2", "b2"), (W1, b1, W2, b2))}
    d, h = contract.check_param_shapes(fn, {n: a.shape for n, a in arrays.items()})
    _check(fn, arrays)
    return d, h


def _check_sample(fn: str, x, W1, b1, W2, b2) -> None:
    d, _ = check_params(fn, W1, b1, W2, b2)
    contract.check_shape(fn, "x", _array(fn, "x", x).shape, (d,), "(d,)")
    _check(fn, {"x": x, "W1": W1})


# --------------------------------------------------------------------------- public API
def forward(x, W1, b1, W2, b2):
    """One sample: return (a1, h, f) with a1, h of shape (h,) and f 0-d."""
    _check_sample("forward", x, W1, b1, W2, b2)
    return _forward(x, W1, b1, W2, b2)


def backward(x, y, a1, h, f, W1, W2):
    """Gradients (dW1, db1, dW2, db2) of L = 1/2 (f - y)^2 for one sample."""
    fn = "backward"
    for n, v in (("W1", W1), ("W2", W2), ("x", x), ("a1", a1), ("h", h)):
        _array(fn, n, v)
    d, hid = contract.check_param_shapes(fn, {"W1": W1.shape, "W2": W2.shape})
    contract.check_shape(fn, "x", x.shape, (d,), "(d,)")
    contract.check_shape(fn, "a1", a1.shape, (hid,), "(h,)")
    contract.check_shape(fn, "h", h.shape, (hid,), "(h,)")
    y_ = _scalar(fn, "y", y, W1.dtype)
    f_ = _scalar(fn, "f", f, W1.dtype)
    _check(fn, {"x": x, "y": y_, "a1": a1, "h": h, "f": f_, "W1": W1, "W2": W2})
    return _backward(x, y_, a1, h, f_, W1, W2)


def loss(f, y):
    """L = 1/2 (f - y)^2 for one sample, 0-d, in f's dtype."""
    f_ = _scalar("loss", "f", f, np.dtype(np.float64))
    y_ = _scalar("loss", "y", y, f_.dtype)
    _check("loss", {"f": f_, "y": y_})
    return _loss(f_, y_)


def _check_batch(fn: str, X, Y, W1, b1, W2, b2, y_name: str = "Y") -> int:
    d, _ = check_params(fn, W1, b1, W2, b2)
    B = contract.check_batch_shapes(fn, "X", _array(fn, "X", X).shape, d)
    if Y is not None:
        contract.check_shape(fn, y_name, _array(fn, y_name, Y).shape, (B,), "(B,)")
        _check(fn, {"X": X, y_name: Y, "W1": W1})
    else:
        _check(fn, {"X": X, "W1": W1})
    return B


def forward_batch(X, W1, b1, W2, b2):
    """X (B, d): return (A1, H, F) with A1, H of shape (B, h) and F of shape (B,)."""
    _check_batch("forward_batch", X, None, W1, b1, W2, b2)
    return _forward_batch(X, W1, b1, W2, b2)


def backward_batch(X, Y, A1, H, F, W1, W2):
    """Gradients of the mean loss over the batch."""
    fn = "backward_batch"
    for n, v in (("X", X), ("Y", Y), ("A1", A1), ("H", H), ("F", F), ("W1", W1), ("W2", W2)):
        _array(fn, n, v)
    d, hid = contract.check_param_shapes(fn, {"W1": W1.shape, "W2": W2.shape})
    B = contract.check_batch_shapes(fn, "X", X.shape, d)
    contract.check_shape(fn, "Y", Y.shape, (B,), "(B,)")
    contract.check_shape(fn, "A1", A1.shape, (B, hid), "(B, h)")
    contract.check_shape(fn, "H", H.shape, (B, hid), "(B, h)")
    contract.check_shape(fn, "F", F.shape, (B,), "(B,)")
    _check(fn, {"X": X, "Y": Y, "A1": A1, "H": H, "F": F, "W1": W1, "W2": W2})
    return _backward_batch(X, Y, A1, H, F, W1, W2)


def loss_batch(F, Y):
    """Mean over the batch of 1/2 (F - Y)^2, 0-d."""
    fn = "loss_batch"
    _array(fn, "F", F)
    _array(fn, "Y", Y)
    if F.ndim != 1:
        raise ValueError(f"{fn}: F must have shape (B,), got {F.shape}")
    contract.check_shape(fn, "Y", Y.shape, F.shape, "(B,)")
    _check(fn, {"F": F, "Y": Y})
    return _loss_batch(F, Y)
