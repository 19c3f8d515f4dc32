"""The preflight: a module's functions called once, on one small case, before any check runs.

What it looks at is the form only: that each function the harness will call exists and takes
the arguments it will be given, and that what comes back is the right number of values of the
right kinds. A module that fails here would fail every test of the suite the same way (a
backward that returns None, a forward that returns f alone, a backward that takes six
arguments): the run stops with one line instead (`PreflightError`; the plugin makes it a usage
error, the command exits 2, `mlp_parity.check` raises CheckError). Values, shapes and dtypes
are the checks' business; so is a call that raises, which the checks report and diagnose
case by case.

The preflight is a table (`Call`: the function, its arguments, its outputs and their kinds)
run by `preflight`, so that a module of another contract can state its own table and reuse
it. `FORWARD_BACKWARD` is the table of this contract; `check_implementation` runs it on an
`external.Implementation`, through the same door the checks call the module by.
"""

from __future__ import annotations

import inspect
import numbers
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import ModuleType

import numpy as np
import torch

from mlp_parity import external, timeouts
from mlp_parity.external import ARGS, Implementation, ImplementationCrash, NumpyOutputs


class PreflightError(Exception):
    """A module whose functions cannot be used as the contract says; the message is one line."""


@dataclass(frozen=True)
class Kind:
    """A kind of value a function returns: how it is said, and which values are of it."""

    text: str
    accepts: Callable[[object], bool]


def _is_array(value: object) -> bool:
    """A tensor, an array or a NumPy scalar of numbers, or a real number: the checks judge
    its shape and dtype."""
    if isinstance(value, (np.ndarray, np.generic)):
        return value.dtype.kind in "biufc"
    return isinstance(value, (torch.Tensor, numbers.Real)) and not isinstance(value, bool)


ARRAY = Kind("an array or tensor", _is_array)
NUMBER = Kind("a number (a 0-d or (1,) array, or a float)", _is_array)
ARRAYS = Kind(
    "a tuple or list of arrays",
    lambda v: isinstance(v, (tuple, list)) and all(_is_array(a) for a in v),
)


@dataclass(frozen=True)
class Output:
    name: str
    kind: Kind


@dataclass(frozen=True)
class Call:
    """One function of a module's contract: its name, the arguments it is called with, and
    what it returns (several outputs: a tuple or list of that many; one: the value itself).
    A function that is not `required` is checked only where the module has it with a
    signature that takes these arguments (the checks say when one is left unchecked)."""

    function: str
    args: tuple[str, ...]
    outputs: tuple[Output, ...]
    required: bool = True

    @property
    def call_text(self) -> str:
        return f"{self.function}({', '.join(self.args)})"

    @property
    def outputs_text(self) -> str:
        return f"({', '.join(o.name for o in self.outputs)})"


# The contract of forward / backward (README, "The rules a module must follow").
FORWARD_BACKWARD = (
    Call(
        "forward",
        ARGS["forward"],
        (Output("a1", ARRAY), Output("h", ARRAY), Output("f", NUMBER)),
    ),
    Call(
        "backward", ARGS["backward"], tuple(Output(g, ARRAY) for g in ("dW1", "db1", "dW2", "db2"))
    ),
    Call("loss", ARGS["loss"], (Output("loss", NUMBER),), required=False),
    Call(
        "backward_batch",
        ARGS["backward_batch"],
        tuple(Output(g, ARRAY) for g in ("dW1", "db1", "dW2", "db2")),
        required=False,
    ),
)

# What a door's `call` returns for a call that raised and is left to the checks.
RAISED = object()


def signature_problem(fn: Callable, call: Call) -> str:
    """ "" where `fn` can be called with call's arguments (or its signature cannot be read);
    otherwise the sentence that says why not."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):  # a builtin without a signature: try it
        return ""
    try:
        signature.bind(*call.args)
    except TypeError:
        return (
            f"is {call.function}{_parameters(signature)}, which cannot be called with the "
            f"{len(call.args)} arguments ({', '.join(call.args)})"
        )
    return ""


def _parameters(signature: inspect.Signature) -> str:
    return f"({', '.join(str(p) for p in signature.parameters.values())})"


def output_problem(out: object, call: Call) -> str:
    """ "" where `out` is what `call` must return, in number and kinds; otherwise what is
    wrong, as the end of a sentence about the function."""
    if len(call.outputs) == 1:
        (only,) = call.outputs
        if only.kind.accepts(out):
            return ""
        return f"returned {_what(out)}; it must return the {only.name}, {only.kind.text}"
    n = len(call.outputs)
    if not isinstance(out, (tuple, list)):
        return (
            f"returned {_what(out, one=True)}; it must return {call.outputs_text}, a tuple of {n}"
        )
    if len(out) != n:
        return f"returned {len(out)} values; it must return {call.outputs_text}, a tuple of {n}"
    for value, output in zip(out, call.outputs):
        if not output.kind.accepts(value):
            return f"returned {_what(value)} as {output.name}; {output.name} must be {output.kind.text}"
    return ""


def _what(value: object, one: bool = False) -> str:
    if value is None:
        return "None"
    name = type(value).__name__
    if isinstance(value, np.ndarray) and value.dtype.kind not in "biufc":
        name = f"an ndarray of dtype {value.dtype}"
    return f"one {name}" if one else name


def preflight(
    table: Sequence[Call], module: ModuleType, call: Callable[[Call], object], label: str
) -> None:
    """Each function of `table`, once: present, callable with its arguments, and returning
    what it must. `call(entry)` calls the module's function on the door's sample (RAISED for
    a call that raised and is left to the checks; PreflightError for what must stop the run).
    `label` names the module in messages. Raises PreflightError (one line)."""
    for entry in table:
        fn = getattr(module, entry.function, None)
        if not callable(fn):
            if entry.required:
                raise PreflightError(f"{label} has no function {entry.call_text}")
            continue
        problem = signature_problem(fn, entry)
        if problem:
            if entry.required:
                raise PreflightError(f"{entry.function} of {label} {problem}")
            continue
        out = call(entry)
        if out is RAISED:
            continue
        problem = output_problem(out, entry)
        if problem:
            raise PreflightError(f"{entry.function} of {label} {problem}")


# --------------------------------------------------------------------------- forward / backward
def sample_tensors() -> dict[str, tuple]:
    """The one small case (d = 2, h = 3, float64, two samples for backward_batch) as the
    torch tensors each function of FORWARD_BACKWARD is handed (in its module's kind)."""
    t = lambda values: torch.tensor(values, dtype=torch.float64)  # noqa: E731
    x, y = t([0.5, -1.0]), t(0.25)
    W1, b1 = t([[1.0, 0.5], [-0.5, 1.0], [0.25, 0.25]]), t([0.1, -0.1, 0.2])
    W2, b2 = t([[1.0, -1.0, 0.5]]), t([0.3])
    a1 = W1 @ x + b1
    h = a1.clamp_min(0)
    f = (W2 @ h + b2)[0]
    X, Y = torch.stack([x, -x]), torch.stack([y, -y])
    A1 = X @ W1.T + b1
    H = A1.clamp_min(0)
    F = H @ W2[0] + b2
    return {
        "forward": (x, W1, b1, W2, b2),
        "backward": (x, y, a1, h, f, W1, W2),
        "loss": (f, y),
        "backward_batch": (X, Y, A1, H, F, W1, W2),
    }


def check_implementation(impl: Implementation) -> None:
    """FORWARD_BACKWARD on `impl`, through `Implementation.call_native` (the checks' own door:
    copies in the module's kind, f in the form its forward returns, flush-to-zero undone).
    A torch module that looks like a NumPy one (it uses NumPy but not torch) and raises or
    warns on torch tensors is told to use numpy: (PreflightError), as the reverse mistake is
    at load time."""
    if impl.declared is not None:
        check_declared(impl)
        return
    sample = sample_tensors()
    uses = external._uses(impl.module)
    numpy_like = impl.kind == "torch" and uses["numpy"] and not uses["torch"]

    def call(entry: Call) -> object:
        native = impl.natives(entry.function, sample[entry.function])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                out = impl.call_native(entry.function, *native)
            except NumpyOutputs as exc:
                raise PreflightError(str(exc)) from None
            except ImplementationCrash as exc:
                if timeouts.is_timeout(str(exc)):  # it would hang every check: stop here
                    raise PreflightError(f"{exc} (on the first, small case)") from None
                if numpy_like:
                    raise PreflightError(_numpy_hint(impl, f"{_raised(exc)}")) from None
                return RAISED
        warned = [w for w in caught if issubclass(w.category, DeprecationWarning)]
        if numpy_like and warned:
            first = str(warned[0].message).splitlines()[0]
            raise PreflightError(
                _numpy_hint(impl, f"its {entry.function} warned DeprecationWarning: {first}")
            )
        return out

    preflight(FORWARD_BACKWARD, impl.module, call, impl.name)


def check_declared(impl: Implementation) -> None:
    """A declared network's module: its protocol function (and forward) called once through
    its door (`network_checks.call_module`) on the smallest case at float64; what comes back
    must have the declared structure, shapes and kinds (a list where a dict was declared,
    grads of another layout's shape, a loss that is not a number): PreflightError, one line.
    A call that raises is the checks' to report; one past the time limit stops here."""
    from mlp_parity import compare, network_cases, network_checks

    net = impl.declared.net
    slot, arch = network_cases.architectures(net)[0]
    case = network_cases.NetCase(0, arch, "float64", "cpu", slot, net.hidden)
    p = network_checks.Problem(impl, case, network_cases.inputs(net, case))
    where = network_checks._where("backward", impl, case)
    try:
        network_checks.call_module(p, where)
        if impl.declared.has_forward:
            network_checks._check_activations(p, where, p.bounds())
    except ImplementationCrash as exc:
        if timeouts.is_timeout(str(exc)):
            raise PreflightError(f"{exc} (on the first, small case)") from None
    except compare.ParityError as exc:
        if exc.kind in compare.FORM_KINDS:
            first = str(exc).splitlines()[0].split("check failed: ", 1)[-1]
            detail = [
                line.strip()
                for line in str(exc).splitlines()[1:2]
                if ".shape=" in line or ".dtype=" in line
            ]
            said = f"{first}: {detail[0]}" if detail else first
            raise PreflightError(f"{said} ({impl.declared.source}: {net.describe()})") from None


def _raised(exc: ImplementationCrash) -> str:
    """'its backward raised E: ...' from the crash's 'backward of NAME raised E: ... (at ...)'."""
    text = str(exc).splitlines()[0]
    function, _, rest = text.partition(" of ")
    raised = rest.partition(" raised ")[2].split(" (at ")[0]
    return f"its {function} raised {raised}"


def _numpy_hint(impl: Implementation, what: str) -> str:
    target = impl.spec.removeprefix("torch:") or impl.name
    where = target if target.endswith(".py") else getattr(impl.module, "__file__", target)
    return (
        f"this looks like a NumPy implementation: use numpy:{target} (or --numpy): "
        f"{where} imports numpy but not torch, and on torch tensors {what}"
    )
