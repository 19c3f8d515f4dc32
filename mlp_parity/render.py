"""Render a parity report (JSON, schema mlp-parity-report/2, or /1) as Markdown.

    python -m mlp_parity.render REPORT.json [-o OUT.md]

The Markdown has a title, the number of records and failures, the diagnosis of each
implementation that failed (what the bug is, with its evidence), a table with the worst
headroom of each check, and a table of every failure. A report of schema /1, written before
reports carried a diagnosis, renders with "not recorded" there. A missing file, malformed JSON
or a report of another schema ends the command with one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from mlp_parity.report import SCHEMA, Diagnosis, worst_by_check
from mlp_parity.report import Record as Row
from mlp_parity.report import severity as _severity

TITLE = "Parity report"

_TEXT_FIELDS = ("check", "impl", "tensor", "case", "shape", "dtype", "device", "nodeid")
_NUMBER_FIELDS = ("tolerance",)
_OPTIONAL_NUMBER_FIELDS = ("max_abs_err", "max_rel_err", "headroom", "worst_abs_err")
_REQUIRED = tuple(f for f in Row.__dataclass_fields__ if f not in ("note", "worst_abs_err"))
ONE_ELEMENT = (
    "error, tolerance and headroom (tolerance ÷ error) are those of one element, the one with "
    "the least headroom"
)
SCHEMAS = ("mlp-parity-report/1", SCHEMA)  # /1: no diagnoses
_DIAGNOSIS_TEXT = ("impl", "pattern", "location", "evidence")


class ReportError(ValueError):
    """A report that cannot be rendered; the message is one line naming the file."""


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _row(record: object, index: int, source: str) -> Row:
    where = f"{source}: records[{index}]"
    if not isinstance(record, dict):
        raise ReportError(f"{where} is {type(record).__name__}, expected an object")
    missing = [f for f in _REQUIRED if f not in record]
    if missing:
        raise ReportError(f"{where} lacks {', '.join(missing)}")
    for name in _TEXT_FIELDS:
        if not isinstance(record[name], str):
            raise ReportError(f"{where}.{name} is {record[name]!r}, expected a string")
    for name in _NUMBER_FIELDS:
        if not _is_number(record[name]):
            raise ReportError(f"{where}.{name} is {record[name]!r}, expected a number")
    for name in _OPTIONAL_NUMBER_FIELDS:
        if record.get(name) is not None and not _is_number(record[name]):
            raise ReportError(f"{where}.{name} is {record[name]!r}, expected a number or null")
    if not isinstance(record["seed"], int) or isinstance(record["seed"], bool):
        raise ReportError(f"{where}.seed is {record['seed']!r}, expected an integer")
    if not isinstance(record["passed"], bool):
        raise ReportError(f"{where}.passed is {record['passed']!r}, expected true or false")
    return Row(**{name: record[name] for name in Row.__dataclass_fields__ if name in record})


def parse(text: str, source: str) -> list[Row]:
    """The rows of a report given as JSON text; `source` names it in error messages."""
    return parse_report(text, source)[0]


def _diagnosis(entry: object, index: int, source: str) -> Diagnosis:
    where = f"{source}: diagnoses[{index}]"
    if not isinstance(entry, dict):
        raise ReportError(f"{where} is {type(entry).__name__}, expected an object")
    missing = [f for f in (*_DIAGNOSIS_TEXT, "tensors") if f not in entry]
    if missing:
        raise ReportError(f"{where} lacks {', '.join(missing)}")
    for name in _DIAGNOSIS_TEXT:
        if not isinstance(entry[name], str):
            raise ReportError(f"{where}.{name} is {entry[name]!r}, expected a string")
    tensors = entry["tensors"]
    if not (isinstance(tensors, list) and all(isinstance(t, str) for t in tensors)):
        raise ReportError(f"{where}.tensors is {tensors!r}, expected a list of strings")
    return Diagnosis.from_dict(entry)


def parse_report(text: str, source: str) -> tuple[list[Row], list[Diagnosis] | None]:
    """(rows, diagnoses) of a report given as JSON text; diagnoses is None for a report of
    schema /1, which did not record them. `source` names the report in error messages."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportError(
            f"{source}: not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    if not isinstance(data, dict):
        raise ReportError(f"{source}: top level is {type(data).__name__}, expected an object")
    schema = data.get("schema")
    if schema not in SCHEMAS:
        expected = " or ".join(repr(s) for s in SCHEMAS)
        raise ReportError(f"{source}: schema is {schema!r}, expected {expected}")
    records = data.get("records")
    if not isinstance(records, list):
        raise ReportError(f"{source}: 'records' is {type(records).__name__}, expected a list")
    rows = [_row(record, i, source) for i, record in enumerate(records)]
    if schema == SCHEMAS[0]:
        return rows, None
    diagnoses = data.get("diagnoses")
    if not isinstance(diagnoses, list):
        raise ReportError(f"{source}: 'diagnoses' is {type(diagnoses).__name__}, expected a list")
    return rows, [_diagnosis(d, i, source) for i, d in enumerate(diagnoses)]


def load(path: Path) -> list[Row]:
    """The rows of the report at `path`."""
    return load_report(path)[0]


def load_report(path: Path) -> tuple[list[Row], list[Diagnosis] | None]:
    """(rows, diagnoses) of the report at `path` (diagnoses None for schema /1)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReportError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportError(f"{path}: cannot read: {exc}") from None
    return parse_report(text, str(path))


def failures(rows: Sequence[Row]) -> list[Row]:
    """The failed rows, in check order, least headroom first."""
    return sorted((r for r in rows if not r.passed), key=lambda r: (r.check, _severity(r)))


def _cell(text: str) -> str:
    """Text as one table cell: no HTML (GitHub would hide '<grad, v>'), pipes escaped."""
    for raw, escaped in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\\", "\\\\")):
        text = text.replace(raw, escaped)
    return text.replace("|", "\\|").replace("\n", " ")


def worst_error(r: Row) -> float | None:
    """The error at the element with the least headroom, where `tolerance` was taken (the
    record's max_abs_err may sit at another element): recorded as worst_abs_err; for older
    reports, tolerance / headroom."""
    if r.worst_abs_err is not None:
        return r.worst_abs_err
    if r.headroom is None:
        return 0.0
    if r.headroom == 0 or (not r.passed and r.tolerance == 0):
        return r.max_abs_err
    return r.tolerance / r.headroom


def _error(value: float | None) -> str:
    return "not finite" if value is None else f"{value:.3g}"


def _headroom(value: float | None) -> str:
    return "∞ (exact)" if value is None else f"{value:.3g}×"


def _table(header: Sequence[str], body: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in cells) + " |" for cells in body]
    return lines


def diagnosis_lines(diagnoses: Sequence[Diagnosis] | None) -> list[str]:
    """The diagnoses as a Markdown list: per implementation, each pattern with where it is,
    the tensors, the evidence, and what it usually means."""
    if diagnoses is None:
        return ["Not recorded (a report of schema mlp-parity-report/1)."]
    if not diagnoses:
        return ["None: nothing failed."]
    lines = []
    for d in diagnoses:
        tensors = f" ({', '.join(_text(t) for t in d.tensors)})" if d.tensors else ""
        hint = f" Usually: {_text(d.hint)}." if d.hint else ""
        lines.append(
            f"- **{_text(d.impl)}**: `{d.pattern}` in {d.location}{tensors}: {_text(d.evidence)}.{hint}"
        )
    wheres = dict.fromkeys((d.impl, d.where) for d in diagnoses if d.where)
    lines += ["", *(f"Where, {_text(impl)}: {_text(where)}." for impl, where in wheres)]
    return lines


def _text(text: str) -> str:
    """Text in Markdown prose: no HTML, no emphasis or code from stray characters."""
    for raw, escaped in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        text = text.replace(raw, escaped)
    for c in "\\`*_[]|":
        text = text.replace(c, "\\" + c)
    return text


def to_markdown(
    rows: Sequence[Row], title: str = TITLE, diagnoses: Sequence[Diagnosis] | None = ()
) -> str:
    """The report as Markdown text; `diagnoses` None: a report that did not record them."""
    failed = failures(rows)
    checks = worst_by_check(rows)
    lines = [
        f"# {title}",
        "",
        f"{len(rows)} records, {len(failed)} failed, {len(checks)} checks.",
        "",
        "## Diagnosis",
        "",
        *diagnosis_lines(diagnoses),
        "",
        "## Worst headroom per check",
        "",
    ]
    if checks:
        lines += _table(
            ["check", "impl", "tensor", "case", "error", "tolerance", "headroom"],
            [
                [
                    r.check,
                    r.impl,
                    r.tensor,
                    r.case,
                    _error(worst_error(r)),
                    f"{r.tolerance:.3g}",
                    _headroom(r.headroom),
                ]
                for r in checks
            ],
        )
        lines += ["", ONE_ELEMENT + "."]
    else:
        lines.append("No records.")
    lines += ["", "## Failures", ""]
    if failed:
        lines += _table(
            [
                "check",
                "impl",
                "tensor",
                "case",
                "error",
                "tolerance",
                "headroom",
                "max abs err (any element)",
                "max rel err (any element)",
                "test",
            ],
            [
                [
                    r.check,
                    r.impl,
                    r.tensor,
                    r.case,
                    _error(worst_error(r)),
                    f"{r.tolerance:.3g}",
                    _headroom(r.headroom),
                    _error(r.max_abs_err),
                    _error(r.max_rel_err),
                    r.nodeid,
                ]
                for r in failed
            ],
        )
        lines += ["", ONE_ELEMENT + "; the maxima are over every element."]
    else:
        lines.append("None.")
    return "\n".join(lines) + "\n"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m mlp_parity.render",
        description="Render a parity report (JSON) as Markdown.",
    )
    parser.add_argument("report", type=Path, help="the JSON report written by --parity-report")
    parser.add_argument(
        "-o", "--output", type=Path, help="write the Markdown here (default: standard output)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        rows, diagnoses = load_report(args.report)
        text = to_markdown(rows, diagnoses=diagnoses)
    except ReportError as exc:
        print(f"render: {exc}", file=sys.stderr)
        return 2
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        args.output.write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"render: {args.output}: cannot write: {exc.strerror}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
