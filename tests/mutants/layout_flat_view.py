"""forward flattens W1 with .view(-1) to compute W1 x as one elementwise product and a row sum:
on a W1 stored column-major (or any non-contiguous W1) .view raises."""

from tests.mutants._correct import backward  # noqa: F401

DIAGNOSIS = ("layout", "crash")


def forward(x, W1, b1, W2, b2):
    h_, d = W1.shape
    a1 = (W1.view(-1) * x.repeat(h_)).view(h_, d).sum(1) + b1
    h = a1.clamp(min=0)
    f = (W2 @ h + b2)[0]
    return a1, h, f
