"""loss(f, y) forms the residual in place, f -= y: the caller's f now holds f - y.

The loss it returns is right."""

from tests.mutants._correct import backward, forward  # noqa: F401

DIAGNOSIS = ("mutates-input",)


def loss(f, y):
    r = f.sub_(y)
    return 0.5 * r * r
