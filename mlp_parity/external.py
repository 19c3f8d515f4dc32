"""Implementations under test: any module named by `--parity-impl` (the bundled `reference` and
`impl` of this repository included, through the same door).

An implementation is anything with the seed's two functions,

    forward(x, W1, b1, W2, b2) -> (a1, h, f)
    backward(x, y, a1, h, f, W1, W2) -> (dW1, db1, dW2, db2)

taking torch tensors (kind "torch") or NumPy arrays (kind "numpy"). The harness talks to
every implementation through `Implementation.forward` / `.backward`, which take and return
torch tensors, so every module goes through exactly the same checks.
Inputs are handed over as fresh copies (contiguous, or laid out as a caller's views where a
check asks for a `call_patterns.Layout`), backward's f in the form the module's forward
returns it, and outputs are copied on return, so an implementation that modifies its inputs
or keeps references to its outputs cannot corrupt the harness's numbers (the contract and
ownership checks catch both).
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import numbers
import os
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import numpy as np
import torch

from mlp_parity import process_state, timeouts

NUMPY_DTYPES = frozenset({"float64", "float32", "float16"})
TORCH_DTYPES = frozenset({"float64", "float32", "float16", "bfloat16"})


# The attribute of a module that `mlp_parity.check` builds around two functions: the name to
# show for them (the module itself is registered under a name nobody else uses).
FUNCTIONS_NAME = "__parity_name__"


class ImplementationError(Exception):
    """A module that cannot serve as an implementation; the message is one line."""


class ImplementationCrash(AssertionError):
    """The implementation raised while the harness called it."""


class GlobalStateChange(ImplementationCrash):
    """A call left process-wide state changed (put back by the harness)."""


class NumpyOutputs(ImplementationCrash):
    """A torch implementation returned NumPy arrays for torch tensors (a form failure)."""


# The arguments of the two functions and of the optional two, in order.
ARGS = {
    "forward": ("x", "W1", "b1", "W2", "b2"),
    "backward": ("x", "y", "a1", "h", "f", "W1", "W2"),
    "loss": ("f", "y"),
    "backward_batch": ("X", "Y", "A1", "H", "F", "W1", "W2"),
}
# The forms forward may return f in (README): the harness hands backward f in the same form.
F_FORMS = ("0-d", "(1,)", "float", "numpy scalar")
# The forms a caller may hand y in (README): a 0-d tensor or array, a Python float, and for
# NumPy modules the NumPy scalar that indexing an array of targets gives.
Y_FORMS = {"torch": ("0-d", "float"), "numpy": ("0-d", "float", "numpy scalar")}


def f_form(f: object) -> str:
    """The form of an f that forward returned: one of F_FORMS (anything else: "0-d", and
    the checks of forward's outputs name what came)."""
    if isinstance(f, np.generic):
        return "numpy scalar"
    if isinstance(f, numbers.Real):
        return "float"
    if isinstance(f, (torch.Tensor, np.ndarray)) and tuple(f.shape) == (1,):
        return "(1,)"
    return "0-d"


@dataclass(frozen=True)
class Implementation:
    name: str
    kind: str  # "torch" or "numpy"
    module: ModuleType = field(compare=False, repr=False)
    spec: str = ""  # the --parity-impl value that loads it ("" for functions passed directly)
    # (dtype, device type) -> the form forward returns f in, learned from its first call
    f_forms: dict[tuple[str, str], str] = field(default_factory=dict, compare=False, repr=False)
    # a declared network's module (`mlp_parity.door`): its declaration and protocol; None for
    # the seed's forward / backward
    declared: object = field(default=None, compare=False, repr=False)

    @property
    def dtypes(self) -> frozenset[str]:
        return TORCH_DTYPES if self.kind == "torch" else NUMPY_DTYPES

    def has(self, function: str) -> bool:
        return callable(getattr(self.module, function, None))

    def callable_as(self, function: str, n_args: int) -> str:
        """ "" where module.function can be called with `n_args` positional arguments (or
        its signature cannot be read); otherwise why not, in words."""
        fn = getattr(self.module, function)
        try:
            sig = inspect.signature(fn)
        except (TypeError, ValueError):  # a builtin without a signature: try it
            return ""
        try:
            sig.bind(*range(n_args))
        except TypeError as exc:
            return f"{function}{sig} cannot be called with {n_args} positional arguments ({exc})"
        return ""

    # -- calls in torch tensors
    def forward(self, x, W1, b1, W2, b2, layout=None):
        """(a1, h, f) with f as a 0-d tensor (it may come back 0-d, of shape (1,), or a float).
        `layout` (a `call_patterns.Layout`): hand the inputs over as views of that layout."""
        native = self.natives("forward", (x, W1, b1, W2, b2), layout)
        return self.forward_outputs(self.call_native("forward", *native), x)

    def forward_outputs(self, out, like: torch.Tensor) -> tuple:
        """forward's outputs as tensors, f 0-d; notes the form f came in (the first time)."""
        if isinstance(out, (tuple, list)) and len(out) == 3:
            self.f_forms.setdefault(_key(like), f_form(out[2]))
        out = tuple(self.outputs(out, like))
        if len(out) == 3 and isinstance(out[2], torch.Tensor) and tuple(out[2].shape) == (1,):
            out = (out[0], out[1], out[2].reshape(()))
        return out

    def backward(self, x, y, a1, h, f, W1, W2, layout=None, y_form: str = "0-d"):
        """The gradients; f (0-d) is handed over in the form the module's forward returns,
        y in `y_form` (one of Y_FORMS)."""
        native = self.natives("backward", (x, y, a1, h, f, W1, W2), layout)
        native[1] = self.native_y(native[1], y_form)
        return tuple(self.outputs(self.call_native("backward", *native), x))

    def native_y(self, y, form: str):
        """A scalar y (0-d, in the module's kind) in `form`: "0-d" as it is, "float" a
        Python float, "numpy scalar" a NumPy scalar of its dtype (what indexing a NumPy
        array of targets gives)."""
        if form == "float":
            return float(y)
        if form == "numpy scalar" and isinstance(y, np.ndarray):
            return y[()]
        return y

    def call(self, function: str, *args):
        """Call module.function with copies of torch-tensor args; return outputs as tensors."""
        like = next(a for a in args if isinstance(a, torch.Tensor))
        native = [self.to_native(a) for a in args]
        return self.outputs(self.call_native(function, *native), like)

    def outputs(self, out, like: torch.Tensor):
        """The module's output(s) as tensors (copies): a tuple for a tuple or list."""
        if isinstance(out, (tuple, list)):
            return tuple(self.from_native(o, like) for o in out)
        return self.from_native(out, like)

    def call_native(self, function: str, *native_args):
        """Call module.function on arguments already in its own kind (no copies made), and
        refuse NumPy arrays from a torch module (`call_raw`)."""
        out = self.call_raw(function, *native_args)
        self._refuse_numpy_outputs(function, out)
        return out

    def call_raw(self, function: str, *native_args):
        """Call module.function as it is; an exception becomes an ImplementationCrash naming
        the call. A call that leaves process-wide state changed (`process_state`: the global
        random number generators, grad mode, the default dtype, flush-to-zero, ...) has it
        put back and fails here: every result after it, the references' included, would be
        computed in the state it left."""
        before = process_state.snapshot()
        try:
            out = timeouts.call(getattr(self.module, function), native_args, function, self.name)
        except timeouts.CallTimedOut as exc:  # past the per-call limit: said as it is
            process_state.restore(before)
            raise ImplementationCrash(str(exc)) from None
        except Exception as exc:
            process_state.restore(before)
            raise self._crash(function, exc) from exc
        changed = process_state.restore(before)
        if changed and process_state.enforced():
            raise GlobalStateChange(f"{function} of {self.name} {process_state.describe(changed)}")
        return out

    # -- a NumPy module checked as a torch one
    @property
    def numpy_hint(self) -> str:
        target = self.spec.removeprefix("torch:") or self.name
        return f"this looks like a NumPy implementation: use numpy:{target}"

    def _crash(self, function: str, exc: Exception) -> ImplementationCrash:
        text = _crash_text(self.name, function, exc)
        if self.kind == "torch" and _numpy_on_tensors(self.module, exc):
            text += f"; {self.numpy_hint}"
        return ImplementationCrash(text)

    def _refuse_numpy_outputs(self, function: str, out) -> None:
        outs = out if isinstance(out, (tuple, list)) else (out,)
        if self.kind == "torch" and any(isinstance(o, np.ndarray) for o in outs):
            raise NumpyOutputs(
                f"{function} of {self.name} returned NumPy arrays for torch tensors: "
                f"{self.numpy_hint}"
            )

    def natives(self, function: str, args, layout=None) -> list:
        """What the harness hands `function` (one of ARGS) for the torch tensors `args`:
        fresh copies in the module's kind, the f of backward and loss in the form forward
        returns it, laid out by `layout` (None: contiguous)."""
        native = [self.to_native(a) for a in args]
        if function == "backward" and isinstance(args[4], torch.Tensor):
            x, W1, W2 = args[0], args[5], args[6]
            native[4] = self.native_f(args[4], self.form_of_f(x, W1, W2))
        if function == "loss" and isinstance(args[0], torch.Tensor):
            native[0] = self.native_f(args[0], self.f_forms.get(_key(args[0]), "0-d"))
        if layout is not None:
            arranged = layout.arrange(dict(zip(ARGS[function], native)))
            native = [arranged[n] for n in ARGS[function]]
        return native

    def form_of_f(self, x: torch.Tensor, W1: torch.Tensor, W2: torch.Tensor) -> str:
        """The form forward returns f in at x's dtype and device; where no forward call has
        shown it yet, one call on (x, W1, b1 = 0, W2, b2 = 0) does (a forward that fails
        there: 0-d, and the forward check reports the failure)."""
        key = _key(x)
        if key not in self.f_forms:
            b1 = torch.zeros(W1.shape[0], dtype=W1.dtype, device=W1.device)
            b2 = torch.zeros(1, dtype=W1.dtype, device=W1.device)
            probe = [self.to_native(a) for a in (x, W1, b1, W2, b2)]
            try:  # through call_native: a forward that switches on flush-to-zero is undone
                out = self.call_native("forward", *probe)
                form = f_form(out[2]) if isinstance(out, (tuple, list)) and len(out) == 3 else ""
            except Exception:
                form = ""
            self.f_forms.setdefault(key, form or "0-d")
        return self.f_forms[key]

    def native_f(self, f, form: str):
        """f (a tensor of one element) as the module's kind in `form` (one of F_FORMS)."""
        native = self.to_native(f).reshape(())
        if form == "(1,)":
            return native.reshape(1)
        if form == "float":
            return float(native)
        if form == "numpy scalar" and isinstance(native, np.ndarray):
            return native[()]
        return native

    def to_native(self, a):
        if not isinstance(a, torch.Tensor):
            return a
        if self.kind == "numpy":
            return a.detach().cpu().numpy().copy()
        return a.detach().clone()

    @staticmethod
    def from_native(o, like: torch.Tensor):
        """Tensors are cloned, arrays converted (dtype kept), Python numbers become 0-d."""
        if isinstance(o, torch.Tensor):
            return o.detach().clone()
        if isinstance(o, (np.ndarray, np.generic)):
            return torch.from_numpy(np.array(o, copy=True)).to(like.device)
        if isinstance(o, numbers.Real):
            return torch.tensor(float(o), dtype=like.dtype, device=like.device)
        return o  # left for the contract check to name


def _key(like: torch.Tensor) -> tuple[str, str]:
    return str(like.dtype).removeprefix("torch."), like.device.type


def _crash_text(name: str, function: str, exc: BaseException) -> str:
    """'backward of NAME raised TypeError: ... (at file.py:12)', the frame in the user's code."""
    frames = traceback.extract_tb(exc.__traceback__)
    mine = Path(__file__).resolve()
    theirs = [f for f in frames if Path(f.filename).resolve() != mine]
    at = f" (at {theirs[-1].filename}:{theirs[-1].lineno})" if theirs else ""
    first = str(exc).splitlines()[0] if str(exc) else ""
    return f"{function} of {name} raised {type(exc).__name__}: {first}{at}"


def _namespaces(module: ModuleType) -> list[dict]:
    """The module's global names and those of the modules its forward and backward live in."""
    spaces = [vars(module)]
    for function in ("forward", "backward"):
        space = getattr(getattr(module, function, None), "__globals__", None)
        if isinstance(space, dict):
            spaces.append(space)
    return spaces


def _references(space: dict, package: str) -> bool:
    """Whether a namespace holds `package`, a module of it, or anything defined in it."""
    for value in list(space.values()):
        try:
            owner = value.__name__ if isinstance(value, ModuleType) else value.__module__
        except Exception:  # no __module__ (most instances), or an object that refuses
            continue
        if isinstance(owner, str) and owner.split(".")[0] == package:
            return True
    return False


_NUMPY_SIGNS = ("torch.", "numpy", "__array")  # in errors of NumPy handed torch tensors


def _numpy_on_tensors(module: ModuleType, exc: Exception) -> bool:
    """An error that NumPy raises on torch tensors, in a module that uses NumPy."""
    text = f"{exc}".lower()
    return any(sign in text for sign in _NUMPY_SIGNS) and any(
        _references(space, "numpy") for space in _namespaces(module)
    )


def _returns_tensors(module: ModuleType) -> bool:
    """Whether forward returns torch tensors for torch tensors (d = 2, h = 3, float64)."""
    x = torch.tensor([0.5, -1.0], dtype=torch.float64)
    W1 = torch.tensor([[1.0, 0.5], [-0.5, 1.0], [0.25, 0.25]], dtype=torch.float64)
    b1 = torch.tensor([0.1, -0.1, 0.2], dtype=torch.float64)
    W2 = torch.tensor([[1.0, -1.0, 0.5]], dtype=torch.float64)
    b2 = torch.tensor([0.3], dtype=torch.float64)
    before = process_state.snapshot()
    try:
        out = module.forward(x, W1, b1, W2, b2)
    except Exception:
        return False
    finally:
        process_state.restore(before)  # the checks' own calls of forward say what changed
    return isinstance(out, (tuple, list)) and all(isinstance(o, torch.Tensor) for o in out[:2])


def _uses(module: ModuleType) -> dict[str, bool]:
    """Whether the module refers to numpy and to torch where forward and backward are defined."""
    spaces = _namespaces(module)
    return {p: any(_references(s, p) for s in spaces) for p in ("numpy", "torch")}


def looks_like_numpy(module: ModuleType) -> bool:
    """Imports NumPy but not torch (where forward and backward are defined), and its
    forward does not return torch tensors for torch tensors."""
    uses = _uses(module)
    return uses["numpy"] and not uses["torch"] and not _returns_tensors(module)


def looks_like_torch(module: ModuleType) -> bool:
    """Imports torch but not NumPy (where forward and backward are defined), and its forward
    returns torch tensors for torch tensors."""
    uses = _uses(module)
    return uses["torch"] and not uses["numpy"] and _returns_tensors(module)


def load(spec: str, cwd: str | None = None, overrides: dict | None = None) -> Implementation:
    """`MODULE`, `numpy:MODULE`, or a path to a .py file, with `numpy:` for NumPy modules.

    A module with the seed's forward(x, W1, b1, W2, b2) and backward(x, y, a1, h, f, W1, W2)
    is checked as the seed network; one with loss_and_grads, grads or sgd_step as the network
    its MLP_PARITY dict declares (`mlp_parity.door`), `overrides` (the declaration options)
    taking precedence.

    Imported as Python would run it: MODULE from `cwd` (or PYTHONPATH), a file with its own
    folder first on sys.path, so that it can import the files beside it. Raises
    ImplementationError with a one-line message when it cannot be used.
    """
    kind, _, target = (
        spec.rpartition(":") if spec.startswith(("numpy:", "torch:")) else ("", "", spec)
    )
    kind = kind or "torch"
    if not target:
        raise ImplementationError(f"--parity-impl={spec}: expected MODULE or numpy:MODULE")
    flushed_before = flushes_subnormals()
    module = _import(spec, target, cwd or os.getcwd())
    if flushes_subnormals() and not flushed_before:
        torch.set_flush_denormal(False)
        sys.modules.pop(getattr(module, "__name__", ""), None)  # the next load sees it again
        raise ImplementationError(f"--parity-impl={spec}: importing {target} {FLUSH_TEXT}")
    _resolve(spec, target, module)
    if _is_declared(module):
        return _load_declared(
            spec, kind if spec.startswith(("numpy:", "torch:")) else "", target, module, overrides
        )
    if overrides:
        keys = ", ".join(sorted(overrides))
        raise ImplementationError(
            f"--parity-impl={spec}: declaration options ({keys}) apply to a declared network "
            "(loss_and_grads, grads or sgd_step); forward(x, W1, b1, W2, b2) and backward(x, "
            "y, a1, h, f, W1, W2) are the seed network's, whose declaration is fixed"
        )
    if getattr(module, "MLP_PARITY", None) is not None and callable(
        getattr(module, "backward", None)
    ):
        raise ImplementationError(
            f"--parity-impl={spec}: {target} has backward(x, y, a1, h, f, W1, W2), the seed "
            "network's, and an MLP_PARITY declaration, which applies to loss_and_grads, grads "
            "or sgd_step: remove one of the two"
        )
    for function in ("forward", "backward"):
        if not callable(getattr(module, function, None)):
            where = getattr(module, "__file__", target)
            raise ImplementationError(
                f"--parity-impl={spec}: module {target} ({where}) has no function {function!r}; "
                "it needs forward(x, W1, b1, W2, b2) and backward(x, y, a1, h, f, W1, W2)"
            )
    if not spec.startswith(("numpy:", "torch:")) and looks_like_numpy(module):
        where = getattr(module, "__file__", target)
        raise ImplementationError(
            f"--parity-impl={spec}: this looks like a NumPy implementation: use numpy:{target} "
            f"({where} imports numpy but not torch, and its forward does not return torch "
            "tensors for torch tensors)"
        )
    if kind == "numpy" and looks_like_torch(module):
        where = getattr(module, "__file__", target)
        raise ImplementationError(
            f"--parity-impl={spec}: this looks like a torch implementation: use {target}, "
            f"without numpy: or --numpy ({where} imports torch but not numpy, and its forward "
            "returns torch tensors for torch tensors)"
        )
    given = getattr(module, FUNCTIONS_NAME, None)
    if given:  # functions handed to mlp_parity.check: no command can load them again
        return Implementation(given, kind, module, "")
    name = Path(target).stem if target.endswith(".py") else target
    return Implementation(name, kind, module, spec)


def _is_declared(module: ModuleType) -> bool:
    """A declared network's module: a protocol function of `door`, and not the seed's
    backward (a module with both is the seed's, its MLP_PARITY refused by `_load_declared`)."""
    from mlp_parity import door

    return door.protocol_of(module) is not None and not callable(getattr(module, "backward", None))


def _load_declared(
    spec: str, prefix: str, target: str, module: ModuleType, overrides
) -> Implementation:
    from mlp_parity import declaration, door

    overrides = dict(overrides or {})
    if prefix and "framework" not in overrides:
        overrides["framework"] = prefix
    try:
        declared = door.declared_of(module, overrides)
    except declaration.DeclarationError as exc:
        raise ImplementationError(f"--parity-impl={spec}: {exc}") from None
    given = getattr(module, FUNCTIONS_NAME, None)
    name = given or (Path(target).stem if target.endswith(".py") else target)
    return Implementation(
        name, declared.net.framework, module, "" if given else spec, declared=declared
    )


FLUSH_TEXT = process_state.FLUSH_TEXT
flushes_subnormals = process_state.flushes_subnormals


# Every name the harness looks up in a module under test.
LOOKED_UP = (
    "forward",
    "backward",
    "loss",
    "backward_batch",
    "loss_and_grads",
    "grads",
    "sgd_step",
    "MLP_PARITY",
    FUNCTIONS_NAME,
)


def _resolve(spec: str, target: str, module: ModuleType) -> None:
    """Look up every name the harness will use, now: a package that imports its functions on
    first use (a module `__getattr__`) fails here, in one line, and not in a check."""
    for name in LOOKED_UP:
        try:
            getattr(module, name, None)
        except Exception as exc:
            first = str(exc).splitlines()[0] if str(exc) else ""
            raise ImplementationError(
                f"--parity-impl={spec}: cannot import {target}: {name} failed to load: "
                f"{type(exc).__name__}: {first}"
            ) from None


def _import(spec: str, target: str, cwd: str) -> ModuleType:
    try:
        if target.endswith(".py"):
            path = Path(cwd, target).resolve()
            if not path.is_file():
                raise ImplementationError(f"--parity-impl={spec}: no file {path}")
            if str(path.parent) not in sys.path:
                sys.path.insert(0, str(path.parent))
            module_spec = importlib.util.spec_from_file_location(path.stem, path)
            assert module_spec is not None and module_spec.loader is not None
            module = importlib.util.module_from_spec(module_spec)
            # in sys.modules while it runs, as an import would (dataclasses need it), and not
            # left there when it fails
            added = sys.modules.setdefault(path.stem, module) is module
            try:
                module_spec.loader.exec_module(module)
            except BaseException:
                if added:
                    del sys.modules[path.stem]
                raise
            return module
        if cwd not in sys.path:
            sys.path.insert(0, cwd)
        return importlib.import_module(target)
    except ImplementationError:
        raise
    except Exception as exc:  # any failure while importing the user's code
        first = str(exc).splitlines()[0] if str(exc) else ""
        raise ImplementationError(
            f"--parity-impl={spec}: cannot import {target}: {type(exc).__name__}: {first}"
        ) from None
