"""Whether a function computes its gradients by hand, or asks torch's autograd for them.

    with AutogradWatch() as watch:
        out = fn(*args)            # the call under watch (it may raise)
    watch.used                     # ["torch.func.grad", ...]: the entry points called
    watch.recorded                 # a graph was recorded for a backward pass

Two witnesses, neither of which changes what the call computes:

* the entry points of reverse and forward mode, seen by their code objects when they are
  called (`sys.settrace`'s call events, one per Python frame; no line is traced): torch.autograd.grad / backward, Tensor.backward,
  torch.autograd.functional.*, torch.autograd.forward_ad's dual numbers, and the
  differentiating transforms of torch.func (grad, grad_and_value, vjp, jvp, jacrev, jacfwd,
  hessian, linearize). By code object, so that any alias a module imported them under is
  seen, and torch.func.vmap, which differentiates nothing, is not;
* a tensor saved for a backward pass (`torch.autograd.graph.saved_tensors_hooks`): a graph
  recorded, by requires_grad_ and operations on it, whether or not anything calls backward.

torch.func's reverse-mode transforms refuse to run under saved-tensor hooks (RuntimeError):
a call that raises after an entry point was seen used autograd, and is reported as that, not
as a crash (`used` says which). Nothing here knows the network.
"""

from __future__ import annotations

import inspect
import sys
import threading
from types import CodeType

import torch


def _entry_points() -> dict[CodeType, str]:
    import torch.autograd.forward_ad as forward_ad
    import torch.autograd.functional as functional

    named = {
        "torch.autograd.grad": torch.autograd.grad,
        "torch.autograd.backward": torch.autograd.backward,
        "Tensor.backward": torch.Tensor.backward,
        "torch.autograd.forward_ad.make_dual": forward_ad.make_dual,
        "torch.autograd.forward_ad.unpack_dual": forward_ad.unpack_dual,
        "torch.autograd.forward_ad.dual_level": forward_ad.dual_level.__enter__,
    }
    for name in ("jacobian", "hessian", "vjp", "jvp", "hvp", "vhp"):
        named[f"torch.autograd.functional.{name}"] = getattr(functional, name)
    try:
        import torch.func as func
    except ImportError:  # a torch without torch.func: functorch's names, if any
        func = None
    for name in (
        "grad",
        "grad_and_value",
        "vjp",
        "jvp",
        "jacrev",
        "jacfwd",
        "hessian",
        "linearize",
    ):
        fn = getattr(func, name, None)
        if fn is not None:
            named[f"torch.func.{name}"] = fn
    codes: dict[CodeType, str] = {}
    for name, fn in named.items():
        for f in {fn, inspect.unwrap(fn)}:
            code = getattr(f, "__code__", None)
            if isinstance(code, CodeType):
                codes.setdefault(code, name)
    return codes


_ENTRY = _entry_points()


class AutogradWatch:
    """Notes, while active in this thread, every autograd entry point called and whether a
    tensor was saved for a backward pass. A trace function already set (a coverage tool, a
    debugger) is chained: it still sees every frame, and traces the lines it asks for."""

    def __init__(self) -> None:
        self.used: list[str] = []
        self.recorded = False
        self._hooks = torch.autograd.graph.saved_tensors_hooks(self._pack, lambda t: t)
        self._previous = None
        self._thread = threading.get_ident()

    @property
    def any(self) -> bool:
        return bool(self.used) or self.recorded

    def describe(self) -> str:
        """'torch.func.grad, Tensor.backward' / 'a graph recorded (...)'."""
        parts = list(dict.fromkeys(self.used))
        if self.recorded:
            parts.append("a graph recorded for a backward pass (tensors that require grad)")
        return ", ".join(parts)

    def _pack(self, t):
        self.recorded = True
        return t

    def _trace(self, frame, event, arg):
        """The global trace function: called once per new Python frame, nothing per line
        (None back, unless a tracer set before wants the frame's lines)."""
        name = _ENTRY.get(frame.f_code)
        if name is not None:
            self.used.append(name)
        if self._previous is not None:
            return self._previous(frame, event, arg)
        return None

    def __enter__(self) -> AutogradWatch:
        self._hooks.__enter__()
        self._previous = sys.gettrace()
        sys.settrace(self._trace)
        return self

    def __exit__(self, *exc) -> None:
        sys.settrace(self._previous)
        self._hooks.__exit__(*exc)
