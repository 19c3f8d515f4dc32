"""The check suite: what `pytest --parity-impl=MODULE` runs, one line per test."""
