"""loss(f, y) leaves out the 1/2: (f - y)^2, twice the network's loss, whose derivative is not
the r = f - y that backward uses.

forward and backward are right."""

from tests.mutants._correct import backward, forward  # noqa: F401

DIAGNOSIS = ("scale",)


def loss(f, y):
    return (f - y) ** 2
