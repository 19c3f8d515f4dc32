"""mlp-parity: a verification harness for hand-written backpropagation.

Three ways in, the same checks, cases and tolerances behind each:

    mlp-parity check my_mlp.py                  # the command
    pytest --parity-impl=my_mlp                 # the pytest plugin, from your own project
    mlp_parity.check(forward, backward)         # a call, e.g. in a notebook

Importing this package imports neither torch nor NumPy; `check` loads them when called.
"""

from __future__ import annotations

__version__ = "0.2.0"

__all__ = ["__version__", "check"]


def __getattr__(name: str):
    if name == "check":
        from mlp_parity.api import check

        return check
    raise AttributeError(f"module 'mlp_parity' has no attribute {name!r}")
