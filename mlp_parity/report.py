"""Parity records: one per check x tensor x case, written as JSON and summarised per check.

Every comparison the harness makes appends a `Record`, pass or fail. `--parity-report=PATH`
writes them (sorted, so the same run gives the same file) with the diagnoses of the run
(`mlp_parity.diagnose`); the terminal summary shows, per check, the worst headroom
(tolerance / error) and where it occurred. The failed checks are kept here too, for the
diagnosis.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path

SCHEMA = "mlp-parity-report/2"  # /2: the top-level "diagnoses" list


@dataclass(frozen=True, order=True)
class Record:
    check: str
    impl: str
    tensor: str
    case: str
    seed: int
    shape: str
    dtype: str
    device: str
    max_abs_err: float | None  # the largest over elements; None: not finite (NaN or Inf)
    max_rel_err: float | None  # the largest over elements
    tolerance: float  # the allowed error at the worst element (the least headroom)
    headroom: float | None  # allowed / error at the worst element, the least over elements;
    # None: every error is 0
    passed: bool
    nodeid: str = ""
    note: str = ""
    # the error at the worst element, where tolerance and headroom are taken; None: not finite,
    # or a report written before records carried it
    worst_abs_err: float | None = None


@dataclass(frozen=True)
class Diagnosis:
    """One cause (`mlp_parity.diagnose`): a pattern of diagnose.PATTERNS, where (one of
    diagnose.LOCATIONS), the tensors it concerns, one line of evidence (numbers), what it
    usually means, and the localisation it rests on. Plain data: the report carries it."""

    impl: str
    pattern: str
    location: str
    tensors: tuple[str, ...]
    evidence: str
    hint: str = ""
    where: str = ""

    def to_dict(self) -> dict:
        return {**asdict(self), "tensors": list(self.tensors)}

    @classmethod
    def from_dict(cls, data: dict) -> Diagnosis:
        known = {f.name for f in fields(cls)}
        given = {k: v for k, v in data.items() if k in known}
        return cls(**{**given, "tensors": tuple(data["tensors"])})


_RECORDS: list[Record] = []
_SINKS: list[list[Record]] = [_RECORDS]  # the innermost `capture()` receives new records
# The failed checks (`checks.Failure`), kept like the records: the diagnosis reads them.
_FAILURES: list = []
_FAILURE_SINKS: list[list] = [_FAILURES]


def add(record: Record) -> None:
    _SINKS[-1].append(record)


def add_failure(failure) -> None:
    """Record a failed check (a `checks.Failure`) for the diagnosis at the end of the run."""
    _FAILURE_SINKS[-1].append(failure)


@contextlib.contextmanager
def capture() -> Iterator[list[Record]]:
    """Collect the records made inside the block apart from the session's report (the
    harness's own tests and the mutation run check implementations that are meant to fail);
    the failures recorded inside the block are kept apart from the session's too."""
    sink: list[Record] = []
    _SINKS.append(sink)
    _FAILURE_SINKS.append([])
    try:
        yield sink
    finally:
        _SINKS.pop()
        _FAILURE_SINKS.pop()


@contextlib.contextmanager
def isolated() -> Iterator[None]:
    """A parity session inside another (`mlp_parity.check` called while a parity run is under
    way): the running session's records and failures are set aside for the block, which
    starts empty, and are put back after it."""
    records, failures = list(_RECORDS), list(_FAILURES)
    try:
        yield
    finally:
        _RECORDS[:] = records
        _FAILURES[:] = failures


def collected() -> list[Record]:
    return list(_RECORDS)


def failures() -> list:
    """The failed checks recorded in this session, in order."""
    return list(_FAILURES)


def captured_failures() -> list:
    """The failed checks recorded inside the innermost `capture()` block so far."""
    return list(_FAILURE_SINKS[-1])


def clear() -> None:
    _RECORDS.clear()
    _FAILURES.clear()


def finite_or_none(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def to_json(records: list[Record], diagnoses: Sequence[Diagnosis] = ()) -> str:
    """The report: every record, sorted, and the diagnoses in the order they were made
    (empty when nothing failed)."""
    rows = [asdict(r) for r in sorted(records)]
    data = {"schema": SCHEMA, "records": rows, "diagnoses": [d.to_dict() for d in diagnoses]}
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


def from_dicts(rows: list[dict]) -> list[Record]:
    return [Record(**row) for row in rows]


def write(path: str | Path, records: list[Record], diagnoses: Sequence[Diagnosis] = ()) -> None:
    Path(path).write_text(to_json(records, diagnoses))


def severity(r: Record) -> tuple[bool, float]:
    """Failures first, then by headroom, smallest first; exact records last."""
    return (r.passed, math.inf if r.headroom is None else r.headroom)


def worst_by_check(records: Sequence[Record]) -> list[Record]:
    """For each check, in name order, its record with the least headroom (a failure first)."""
    worst: dict[str, Record] = {}
    for r in records:
        if r.check not in worst or (severity(r), r) < (severity(worst[r.check]), worst[r.check]):
            worst[r.check] = r
    return [worst[check] for check in sorted(worst)]


def summary_lines(records: list[Record]) -> list[str]:
    """Per check: records, failures, and the worst headroom with where it occurred."""
    lines = []
    for worst in worst_by_check(records):
        rs = [r for r in records if r.check == worst.check]
        failed = sum(not r.passed for r in rs)
        room = "exact" if worst.headroom is None else f"{worst.headroom:.3g}x"
        lines.append(
            f"{worst.check:<14} {len(rs):>6} comparisons  {failed:>4} failed  "
            f"worst headroom {room:>9}  ({worst.impl} {worst.tensor} {worst.case})"
        )
    return lines
