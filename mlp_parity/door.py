"""The door of a declared network: the module's own conventions on one side, the engine's
canonical form on the other.

A module declares its network (`mlp_parity.declaration`) and defines one of

    loss_and_grads(params, X, Y) -> (loss, grads)
    grads(params, X, Y) -> grads
    sgd_step(params, X, Y, lr) -> params (or None: updated in place)

and optionally forward(params, X) -> [h_1, ..., h_L, f] (or f alone). The engine works in one
canonical form: X (B, d), Y (B, k) (float targets) as samples by rows, and for each layer
W_l (n_l, n_{l-1}), b_l (n_l,), as torch tensors of the case's dtype. The door turns those
into what the module takes (rows or columns, bias shapes, a list or a dict, one sample per
call, NumPy arrays) as fresh copies, calls it, and reads what it returns back into the
canonical form: grads in the params' structure (a list in order, or a dict keyed "W1" or
"dW1", extra entries ignored), the loss in any real scalar form.
"""

from __future__ import annotations

import contextlib
import numbers
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch

from mlp_parity import declaration
from mlp_parity.declaration import Network

PROTOCOLS = ("loss_and_grads", "grads", "sgd_step")
SIGNATURES = {
    "loss_and_grads": "loss_and_grads(params, X, Y) -> (loss, grads)",
    "grads": "grads(params, X, Y) -> grads",
    "sgd_step": "sgd_step(params, X, Y, lr) -> params (or None, updated in place)",
    "forward": "forward(params, X) -> [h_1, ..., h_L, f] or f",
}
# The step size sgd_step is called with: a power of two, so that lr g is exact and the
# update theta - lr g one rounding (`network_checks`).
LR = 2.0**-3


@dataclass(frozen=True)
class Declared:
    """What a declared module is checked as: its network, the protocol it follows, whether
    it has forward, and where the declaration came from (for messages)."""

    net: Network
    protocol: str
    has_forward: bool
    source: str = "defaults"  # "MLP_PARITY", "options", ...

    @property
    def has_loss(self) -> bool:
        return self.protocol == "loss_and_grads"


@contextlib.contextmanager
def numpy_warnings_ignored() -> Iterator[None]:
    """NumPy's floating-point warnings in a module's call (an overflow in exp at a saturated
    unit) are not findings: its values are. Silenced through the warnings filters, not
    np.errstate, so that the call runs in the NumPy error state its caller left, and a module
    that changes that state (np.seterr) is seen to (`process_state`)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=RuntimeWarning)
        yield


def protocol_of(module: object) -> str | None:
    for name in PROTOCOLS:
        if callable(getattr(module, name, None)):
            return name
    return None


def declared_of(module: object, overrides: dict | None = None, source: str = "options") -> Declared:
    """The module's Declared: its MLP_PARITY dict, overridden by `overrides` (options or
    keywords, named as `source` in messages). Raises DeclarationError (one line)."""
    own = declaration.from_module(module)
    net = declaration.parse((own or {}, "module"), (overrides or {}, source))
    protocol = protocol_of(module)
    if protocol is None:
        raise declaration.DeclarationError(
            f"no function to check: a declared network needs one of {', '.join(PROTOCOLS)}"
        )
    has_forward = callable(getattr(module, "forward", None))
    where = declaration.DICT_NAME if own else "the defaults"
    if overrides:
        where += f" and {source}"
    return Declared(net, protocol, has_forward, where)


# --------------------------------------------------------------------------- to the module
def _native(t: torch.Tensor, net: Network):
    """A fresh copy in the module's kind."""
    if net.framework == "numpy":
        return t.detach().cpu().numpy().copy()
    return t.detach().clone()


def user_W(W: torch.Tensor, net: Network) -> torch.Tensor:
    """W_l (n_l, n_{l-1}) as the module stores it: transposed, (in, out), in rows."""
    return W.T.contiguous() if net.layout == "rows" else W.contiguous()


def user_b(b: torch.Tensor, net: Network) -> torch.Tensor:
    n = b.shape[0]
    shape = {"flat": (n,), "column": (n, 1), "row": (1, n)}[net.bias_shape]
    return b.reshape(shape).contiguous()


def param_names(n_layers: int, bias: bool) -> list[str]:
    """W1, b1, W2, b2, ... (no b without biases)."""
    out = []
    for i in range(1, n_layers + 1):
        out += [f"W{i}", f"b{i}"] if bias else [f"W{i}"]
    return out


def user_params(layers: list[tuple[torch.Tensor, torch.Tensor | None]], net: Network):
    """The parameters as the module takes them: a list or a dict, fresh copies."""
    values = []
    for W, b in layers:
        values.append(_native(user_W(W, net), net))
        if b is not None:
            values.append(_native(user_b(b, net), net))
    if net.params == "dict":
        return dict(zip(param_names(len(layers), net.bias), values))
    return values


def user_X(X: torch.Tensor, net: Network) -> torch.Tensor:
    """X (B, d) canonical as the module takes it (batched): (B, d) rows, (d, B) columns."""
    return X.contiguous() if net.layout == "rows" else X.T.contiguous()


def labels_of(Y: torch.Tensor) -> torch.Tensor:
    """Class indices (int64) of one-hot target rows (B, k); for k = 1 the 0 / 1 target."""
    if Y.shape[-1] == 1:
        return Y[..., 0].round().to(torch.int64)
    return Y.argmax(dim=-1)


def user_Y(Y: torch.Tensor, net: Network) -> torch.Tensor:
    """Y (B, k) canonical as the module takes it (batched): integer class indices (B,) for
    index labels, (B,) for flat targets, (B, k) in rows, (k, B) in columns."""
    if net.index_labels:
        return labels_of(Y).contiguous()
    if net.targets == "flat":
        return Y[:, 0].contiguous()
    return Y.contiguous() if net.layout == "rows" else Y.T.contiguous()


def user_x(x: torch.Tensor, net: Network) -> torch.Tensor:
    """One sample x (d,) as per-sample code takes it."""
    return x.contiguous() if net.sample_shape == "flat" else x.reshape(-1, 1).contiguous()


def user_y(y: torch.Tensor, net: Network) -> torch.Tensor:
    """One sample's y (k,) as per-sample code takes it: a 0-d integer for an index label, a
    scalar for flat targets, (k,) or (k, 1)."""
    if net.index_labels:
        return labels_of(y[None])[0].clone()
    if net.targets == "flat":
        return y.reshape(()).clone()
    return y.contiguous() if net.sample_shape == "flat" else y.reshape(-1, 1).contiguous()


def data_args(X: torch.Tensor, Y: torch.Tensor, net: Network) -> tuple:
    """(X, Y) for one call: the whole batch, or (with X, Y of one sample) one sample."""
    if net.per_sample:
        return _native(user_x(X[0], net), net), _native(user_y(Y[0], net), net)
    return _native(user_X(X, net), net), _native(user_Y(Y, net), net)


def user_shapes(widths: tuple[int, ...], net: Network) -> list[tuple[int, ...]]:
    """The shape of each parameter (and so of its gradient) as the module holds it."""
    out = []
    for i in range(len(widths) - 1):
        n_in, n_out = widths[i], widths[i + 1]
        out.append((n_in, n_out) if net.layout == "rows" else (n_out, n_in))
        if net.bias:
            out.append({"flat": (n_out,), "column": (n_out, 1), "row": (1, n_out)}[net.bias_shape])
    return out


def layer_of(name: str) -> str:
    """What messages call a parameter's gradient: 'W2' -> 'layer 2 dW', 'b1' -> 'layer 1 db'."""
    stem = name.removeprefix("d").rstrip("0123456789")
    return f"layer {name[len(name.rstrip('0123456789')) :]} d{stem}"


# --------------------------------------------------------------------------- from the module
class FormError(Exception):
    """What the module returned cannot be read as the declaration says: the message is one
    line naming the output and what was expected; `kind` is a compare kind."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


def grads_list(raw, names: list[str], net: Network, function: str) -> list:
    """The module's gradients in parameter order (still in its own form and kind)."""
    if net.params == "dict" or isinstance(raw, dict):
        if not isinstance(raw, dict):
            raise FormError(
                f"{function} returned a {type(raw).__name__} for the gradients, but params "
                f"is declared 'dict': expected a dict keyed {', '.join('d' + n for n in names)} "
                "(or W1, b1, ...)",
                "type",
            )
        out = []
        for n in names:
            for key in ("d" + n, n):
                if key in raw:
                    out.append(raw[key])
                    break
            else:
                keys = ", ".join(map(str, raw))
                raise FormError(
                    f"{function} returned gradients without d{n} (or {n}): its keys are {keys}",
                    "arity",
                )
        return out
    if not isinstance(raw, (list, tuple)):
        raise FormError(
            f"{function} returned a {type(raw).__name__} for the gradients: expected a list "
            f"{names and '[' + ', '.join('d' + n for n in names) + ']'} in the parameters' order",
            "type",
        )
    if len(raw) != len(names):
        raise FormError(
            f"{function} returned {len(raw)} gradients, expected {len(names)} "
            f"({', '.join('d' + n for n in names)}: one per parameter, in order"
            + ("; bias is declared False" if not net.bias else "")
            + ")",
            "arity",
        )
    return list(raw)


def split_loss_and_grads(raw, function: str = "loss_and_grads"):
    if not isinstance(raw, (tuple, list)) or len(raw) != 2:
        got = f"{len(raw)} values" if isinstance(raw, (tuple, list)) else f"a {type(raw).__name__}"
        raise FormError(f"{function} returned {got}, expected (loss, grads)", "arity")
    return raw[0], raw[1]


def loss_value(raw, function: str = "loss_and_grads") -> tuple[float, str]:
    """(the loss as a float, its dtype name or "float"): any real scalar form."""
    if isinstance(raw, bool) or raw is None:
        raise FormError(f"{function} returned {raw!r} for the loss: expected a real number", "type")
    if isinstance(raw, numbers.Real) and not isinstance(raw, np.generic):
        return float(raw), "float"
    if isinstance(raw, (torch.Tensor, np.ndarray, np.generic)):
        arr = raw.detach().cpu() if isinstance(raw, torch.Tensor) else np.asarray(raw)
        size = arr.numel() if isinstance(arr, torch.Tensor) else arr.size
        if size != 1:
            raise FormError(
                f"{function} returned a loss of shape {tuple(arr.shape)}: expected one number "
                "(a float, a 0-d array or tensor)",
                "shape",
            )
        dtype = str(arr.dtype).removeprefix("torch.")
        if not (
            arr.dtype.is_floating_point
            if isinstance(arr, torch.Tensor)
            else np.issubdtype(arr.dtype, np.floating)
        ):
            raise FormError(
                f"{function} returned a loss of dtype {dtype}: expected a real float", "dtype"
            )
        return float(arr.reshape(-1)[0]), dtype
    raise FormError(
        f"{function} returned a {type(raw).__name__} for the loss: expected a real number",
        "type",
    )


def as_tensor(o, like: torch.Tensor):
    """A module's output as a tensor copy (NumPy arrays converted, dtype kept)."""
    if isinstance(o, torch.Tensor):
        return o.detach().clone()
    if isinstance(o, (np.ndarray, np.generic)):
        return torch.from_numpy(np.array(o, copy=True)).to(like.device)
    return o


def canonical_grad(g: torch.Tensor, index: int, net: Network) -> torch.Tensor:
    """A gradient in the module's form (shape already checked; a leading sample axis kept)
    in canonical form: W (n_l, n_{l-1}), b (n_l,)."""
    is_bias = net.bias and index % 2 == 1
    if is_bias:
        return g.reshape(*g.shape[: g.dim() - (2 if net.bias_shape != "flat" else 1)], -1)
    return g.transpose(-1, -2) if net.layout == "rows" else g


def user_index(index: list[int], param: int, net: Network) -> list[int]:
    """A canonical element index of parameter `param` as the module indexes it."""
    if net.bias and param % 2 == 1:
        return {"flat": index, "column": [index[0], 0], "row": [0, index[0]]}[net.bias_shape]
    return index[::-1] if net.layout == "rows" else index


def user_form(a: np.ndarray, index: int, net: Network, sample_axis: bool = False) -> np.ndarray:
    """A canonical float64 array (a parameter's value, gradient or bound; with a leading
    sample axis where `sample_axis`) in the module's form, as `user_shapes` says."""
    lead = a.shape[:1] if sample_axis else ()
    if net.bias and index % 2 == 1:
        n = a.shape[-1]
        shape = {"flat": (n,), "column": (n, 1), "row": (1, n)}[net.bias_shape]
        return a.reshape(*lead, *shape)
    return np.swapaxes(a, -1, -2) if net.layout == "rows" else a


def read_forward(raw, depth: int, like: torch.Tensor) -> list:
    """forward's outputs: [h_1, ..., h_L, f], or [f] when it returns f alone (sklearn's
    activations list, which starts with X, is read without its first entry)."""
    if isinstance(raw, (list, tuple)):
        items = list(raw)
        if len(items) == depth + 2:
            items = items[1:]
        if len(items) == depth + 1:
            return [as_tensor(o, like) for o in items]
        if len(items) == 1:
            return [as_tensor(items[0], like)]
        raise FormError(
            f"forward returned {len(items)} values: expected [h_1, ..., h_{depth}, f] "
            f"({depth + 1} values) or f alone",
            "arity",
        )
    return [as_tensor(raw, like)]


def canonical_activation(t: torch.Tensor, n: int, B: int, net: Network) -> torch.Tensor | None:
    """An activation returned in the module's layout as (B, n), or None where its shape
    fits neither the declared layout nor its transpose."""
    if net.per_sample:
        return t.reshape(1, n) if t.numel() == n else None
    if net.layout == "rows":
        return (
            t.reshape(B, n) if tuple(t.shape) in ((B, n),) or (n == 1 and t.numel() == B) else None
        )
    return (
        t.T.reshape(B, n)
        if tuple(t.shape) == (n, B)
        else (t.reshape(B, n) if n == 1 and t.numel() == B else None)
    )
