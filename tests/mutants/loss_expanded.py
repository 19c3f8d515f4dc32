"""loss(f, y) expands the square, 1/2 (f^2 - 2 f y + y^2): where y fits f closely the three
terms cancel, and the loss is lost to the rounding of f^2.

Exact in exact arithmetic; within the tolerance wherever the residual is not small next to f."""

from tests.mutants._correct import backward, forward  # noqa: F401

DIAGNOSIS = ("precision",)


def loss(f, y):
    return 0.5 * (f * f - 2 * f * y + y * y)
