"""10. Layouts callers pass (column-major, strided, views into one buffer); 11. outputs belong
to the caller (no aliasing); 12. no result depends on the calls made before it; 13. two calls
at once from two threads give what each gives alone."""

from mlp_parity import checks


def test_layout(implementation, case):
    checks.run("layout", implementation, case)


def test_ownership(implementation, case):
    checks.run("ownership", implementation, case)


def test_order(implementation, case):
    checks.run("order", implementation, case)


def test_threads(implementation, case):
    checks.run("threads", implementation, case)
