"""The seed network in PyTorch with hand-written gradients: no autograd anywhere.

    a1 = W1 x + b1                 torch.addmv(b1, W1, x)
    h  = ReLU(a1)                  torch.clamp_min(a1, 0)
    f  = W2 h + b2                 torch.addmv(b2, W2, h), as a 0-d tensor
    r  = dL/df = f - y
    dW2 = r h^T,  db2 = r
    da1 = W2^T r * 1[a1 > 0]       ReLU'(0) = 0, as PyTorch defines it
    dW1 = da1 x^T,  db1 = da1

Every output keeps the inputs' dtype (float64, float32, float16, bfloat16) and device: the
ReLU mask is a bool tensor, so no `.float()` promotes half precision to float32. The public
functions refuse tensors that require grad (autograd has nothing to record) and work
unchanged under `torch.inference_mode()` and `torch.no_grad()`.
"""

from __future__ import annotations

import numbers

import torch

from reference import contract

DTYPES = {
    "float64": torch.float64,
    "float32": torch.float32,
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
}


# --------------------------------------------------------------------------- kernels
def relu(a: torch.Tensor) -> torch.Tensor:
    return torch.clamp_min(a, 0)


def relu_grad_mask(a: torch.Tensor) -> torch.Tensor:
    """1[a > 0] as a bool tensor: ReLU'(0) = 0."""
    return a > 0


def _forward(x, W1, b1, W2, b2):
    a1 = torch.addmv(b1, W1, x)
    h = relu(a1)
    f = torch.addmv(b2, W2, h).reshape(())
    return a1, h, f


def _backward(x, y, a1, h, f, W1, W2):
    r = f - y  # dL/df, 0-d
    dW2 = torch.outer(r.reshape(1), h)
    db2 = r.reshape(1).clone()
    da1 = W2[0] * r * relu_grad_mask(a1)
    dW1 = torch.outer(da1, x)
    db1 = da1
    return dW1, db1, dW2, db2


def _loss(f, y):
    r = f - y
    return 0.5 * r * r


def _forward_batch(X, W1, b1, W2, b2):
    A1 = torch.addmm(b1, X, W1.T)
    H = relu(A1)
    F = torch.addmv(b2.expand(X.shape[0]), H, W2[0])
    return A1, H, F


def _backward_batch(X, Y, A1, H, F, W1, W2):
    R = (F - Y) / F.shape[0]  # d(mean L)/dF_i
    dW2 = (R @ H).unsqueeze(0)
    db2 = R.sum().reshape(1)
    dA1 = torch.outer(R, W2[0]) * relu_grad_mask(A1)
    dW1 = dA1.T @ X
    db1 = dA1.sum(dim=0)
    return dW1, db1, dW2, db2


def _loss_batch(F, Y):
    R = F - Y
    return (0.5 * R * R).mean()


# --------------------------------------------------------------------------- validation
def _values_visible(t: torch.Tensor) -> bool:
    """False inside torch.func transforms (vmap, grad, jvp), where values cannot be read."""
    return not torch._C._functorch.is_functorch_wrapped_tensor(t)


def _tensor(fn: str, name: str, value: object) -> torch.Tensor:
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{fn}: {name} must be a torch.Tensor, got {type(value).__name__}")
    if value.requires_grad:
        raise ValueError(
            f"{fn}: {name} requires grad; this implementation computes gradients by hand and "
            f"never uses autograd: pass {name}.detach()"
        )
    return value


def _scalar(fn: str, name: str, value: object, like: torch.Tensor) -> torch.Tensor:
    """A 0-d tensor from a 0-d tensor or a Python float (cast to `like`'s dtype)."""
    contract.check_not_integer(fn, name, value, tuple(DTYPES))
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return torch.tensor(float(value), dtype=like.dtype, device=like.device)
    t = _tensor(fn, name, value)
    if t.dim() != 0:
        raise ValueError(f"{fn}: {name} must be a scalar (0-d), got shape {tuple(t.shape)}")
    return t


def _check(fn: str, tensors: dict[str, torch.Tensor]) -> None:
    names = {str(dt).removeprefix("torch."): dt for dt in DTYPES.values()}
    dtypes = {n: str(t.dtype).removeprefix("torch.") for n, t in tensors.items()}
    contract.check_dtypes(fn, dtypes, tuple(names))
    devices = {n: t.device for n, t in tensors.items()}
    first_name, first = next(iter(devices.items()))
    for name, dev in devices.items():
        if dev != first:
            raise ValueError(
                f"{fn}: {first_name} is on {first} but {name} is on {dev}; "
                "all tensors must be on one device"
            )
    visible = {n: t for n, t in tensors.items() if _values_visible(t)}
    if not visible:
        return
    # One test over all values (they share a dtype and a device, checked above); only when it
    # fails, one per tensor, to name the argument. Three torch calls instead of two per tensor,
    # on every forward and backward.
    if bool(torch.isfinite(torch.cat([t.reshape(-1) for t in visible.values()])).all()):
        return
    for name, t in visible.items():
        contract.check_finite(fn, name, bool(torch.isfinite(t).all()))


def check_params(fn: str, W1, b1, W2, b2) -> tuple[int, int]:
    tensors = {n: _tensor(fn, n, v) for n, v in zip(("W1", "b1", "W2", "b2"), (W1, b1, W2, b2))}
    d, h = contract.check_param_shapes(fn, {n: tuple(t.shape) for n, t in tensors.items()})
    _check(fn, tensors)
    return d, h


def _check_sample(fn: str, x, W1, b1, W2, b2) -> None:
    d, _ = check_params(fn, W1, b1, W2, b2)
    contract.check_shape(fn, "x", tuple(_tensor(fn, "x", x).shape), (d,), "(d,)")
    _check(fn, {"x": x, "W1": W1})


def check_batch(fn: str, X, Y, W1, b1, W2, b2, y_name: str = "Y") -> int:
    d, _ = check_params(fn, W1, b1, W2, b2)
    B = contract.check_batch_shapes(fn, "X", tuple(_tensor(fn, "X", X).shape), d)
    if Y is None:
        _check(fn, {"X": X, "W1": W1})
    else:
        contract.check_shape(fn, y_name, tuple(_tensor(fn, y_name, Y).shape), (B,), "(B,)")
        _check(fn, {"X": X, y_name: Y, "W1": W1})
    return B


# --------------------------------------------------------------------------- public API
def forward(x, W1, b1, W2, b2):
    """One sample: return (a1, h, f) with a1, h of shape (h,) and f 0-d."""
    _check_sample("forward", x, W1, b1, W2, b2)
    return _forward(x, W1, b1, W2, b2)


def backward(x, y, a1, h, f, W1, W2):
    """Gradients (dW1, db1, dW2, db2) of L = 1/2 (f - y)^2 for one sample."""
    fn = "backward"
    for n, v in (("W1", W1), ("W2", W2), ("x", x), ("a1", a1), ("h", h)):
        _tensor(fn, n, v)
    d, hid = contract.check_param_shapes(fn, {"W1": tuple(W1.shape), "W2": tuple(W2.shape)})
    contract.check_shape(fn, "x", tuple(x.shape), (d,), "(d,)")
    contract.check_shape(fn, "a1", tuple(a1.shape), (hid,), "(h,)")
    contract.check_shape(fn, "h", tuple(h.shape), (hid,), "(h,)")
    y_ = _scalar(fn, "y", y, W1)
    f_ = _scalar(fn, "f", f, W1)
    _check(fn, {"x": x, "y": y_, "a1": a1, "h": h, "f": f_, "W1": W1, "W2": W2})
    return _backward(x, y_, a1, h, f_, W1, W2)


def loss(f, y):
    """L = 1/2 (f - y)^2 for one sample, 0-d, in f's dtype."""
    f_ = _tensor("loss", "f", f)
    f_ = _scalar("loss", "f", f_, f_)
    y_ = _scalar("loss", "y", y, f_)
    _check("loss", {"f": f_, "y": y_})
    return _loss(f_, y_)


def forward_batch(X, W1, b1, W2, b2):
    """X (B, d): return (A1, H, F) with A1, H of shape (B, h) and F of shape (B,)."""
    check_batch("forward_batch", X, None, W1, b1, W2, b2)
    return _forward_batch(X, W1, b1, W2, b2)


def backward_batch(X, Y, A1, H, F, W1, W2):
    """Gradients of the mean loss over the batch."""
    fn = "backward_batch"
    for n, v in (("X", X), ("Y", Y), ("A1", A1), ("H", H), ("F", F), ("W1", W1), ("W2", W2)):
        _tensor(fn, n, v)
    d, hid = contract.check_param_shapes(fn, {"W1": tuple(W1.shape), "W2": tuple(W2.shape)})
    B = contract.check_batch_shapes(fn, "X", tuple(X.shape), d)
    contract.check_shape(fn, "Y", tuple(Y.shape), (B,), "(B,)")
    contract.check_shape(fn, "A1", tuple(A1.shape), (B, hid), "(B, h)")
    contract.check_shape(fn, "H", tuple(H.shape), (B, hid), "(B, h)")
    contract.check_shape(fn, "F", tuple(F.shape), (B,), "(B,)")
    _check(fn, {"X": X, "Y": Y, "A1": A1, "H": H, "F": F, "W1": W1, "W2": W2})
    return _backward_batch(X, Y, A1, H, F, W1, W2)


def loss_batch(F, Y):
    """Mean over the batch of 1/2 (F - Y)^2, 0-d."""
    fn = "loss_batch"
    _tensor(fn, "F", F)
    _tensor(fn, "Y", Y)
    if F.dim() != 1:
        raise ValueError(f"{fn}: F must have shape (B,), got {tuple(F.shape)}")
    contract.check_shape(fn, "Y", tuple(Y.shape), tuple(F.shape), "(B,)")
    _check(fn, {"F": F, "Y": Y})
    return _loss_batch(F, Y)
