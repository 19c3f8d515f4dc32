"""The Markdown rendering of a parity report, and its errors on reports it cannot read."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mlp_parity import render

ROOT = Path(__file__).resolve().parent.parent


def _record(**overrides: object) -> dict[str, object]:
    record: dict[str, object] = {
        "check": "autograd",
        "impl": "impl",
        "tensor": "dW1",
        "case": "seed0-d2h4b8-float32-cpu",
        "seed": 0,
        "shape": "d2h4b8",
        "dtype": "float32",
        "device": "cpu",
        "max_abs_err": 1e-7,
        "max_rel_err": 1e-6,
        "tolerance": 1e-5,
        "headroom": 100.0,
        "passed": True,
        "nodeid": "tests/test_parity.py::test_autograd[seed0-d2h4b8-float32-cpu]",
    }
    record.update(overrides)
    return record


RECORDS = [
    _record(),
    _record(tensor="db1", max_abs_err=4e-6, headroom=2.5),
    _record(tensor="dW2", max_abs_err=0.0, max_rel_err=0.0, headroom=None),
    _record(
        check="finite_diff",
        tensor="db2",
        case="seed3-d2h4b8-float16-cpu",
        seed=3,
        dtype="float16",
        max_abs_err=0.25,
        max_rel_err=0.5,
        tolerance=0.125,
        headroom=0.5,
        passed=False,
        nodeid="tests/test_parity.py::test_fd[a|b]",
    ),
    _record(check="finite_diff", tensor="dW1", headroom=None, max_abs_err=0.0),
    _record(check="reference", max_abs_err=0.0, max_rel_err=0.0, headroom=None),
]
REPORT = {"schema": "mlp-parity-report/1", "records": RECORDS}


@pytest.fixture
def rows() -> list[render.Row]:
    return render.parse(json.dumps(REPORT), "report.json")


def test_parse_reads_every_record(rows):
    assert len(rows) == len(RECORDS)
    assert rows[2].headroom is None
    assert rows[3].passed is False


def test_parse_ignores_fields_it_does_not_know():
    rows = render.parse(json.dumps({**REPORT, "records": [_record(future="x")]}), "r.json")
    assert rows == [render.Row(**_record())]


def test_parse_keeps_the_optional_note():
    rows = render.parse(json.dumps({**REPORT, "records": [_record(note="x")]}), "r.json")
    assert rows[0].note == "x"


def test_worst_by_check_takes_least_headroom_failures_first_exact_last(rows):
    worst = render.worst_by_check(rows)
    assert [(r.check, r.tensor) for r in worst] == [
        ("autograd", "db1"),
        ("finite_diff", "db2"),
        ("reference", "dW1"),
    ]


def test_a_failure_is_worst_even_with_more_headroom():
    rows = render.parse(
        json.dumps(
            {
                **REPORT,
                "records": [
                    _record(tensor="a", headroom=0.9),
                    _record(tensor="b", max_abs_err=None, headroom=None, passed=False),
                ],
            }
        ),
        "r.json",
    )
    assert [r.tensor for r in render.worst_by_check(rows)] == ["b"]


def test_failures_lists_only_failed_rows(rows):
    assert [(r.check, r.tensor) for r in render.failures(rows)] == [("finite_diff", "db2")]


def test_markdown_has_counts_worst_table_and_failures(rows):
    text = render.to_markdown(rows)
    assert text.startswith("# Parity report\n")
    assert "6 records, 1 failed, 3 checks." in text
    worst = text.split("## Worst headroom per check")[1].split("## Failures")[0]
    table = [line for line in worst.splitlines() if line.startswith("|")]
    assert table[0] == ("| check | impl | tensor | case | error | tolerance | headroom |")
    assert table[2:] == [
        "| autograd | impl | db1 | seed0-d2h4b8-float32-cpu | 4e-06 | 1e-05 | 2.5× |",
        "| finite_diff | impl | db2 | seed3-d2h4b8-float16-cpu | 0.25 | 0.125 | 0.5× |",
        "| reference | impl | dW1 | seed0-d2h4b8-float32-cpu | 0 | 1e-05 | ∞ (exact) |",
    ]
    failed = [line for line in text.split("## Failures")[1].splitlines() if line.startswith("|")]
    assert len(failed) == 3
    assert failed[0] == (
        "| check | impl | tensor | case | error | tolerance | headroom "
        "| max abs err (any element) | max rel err (any element) | test |"
    )
    assert failed[2] == (
        "| finite_diff | impl | db2 | seed3-d2h4b8-float16-cpu | 0.25 | 0.125 | 0.5× | 0.25 | 0.5 "
        "| tests/test_parity.py::test_fd[a\\|b] |"
    )


def test_cells_show_angle_brackets_and_pipes_as_text():
    rows = render.parse(
        json.dumps({**REPORT, "records": [_record(tensor="<grad, v>", case="a|b & c")]}), "r.json"
    )
    assert "| autograd | impl | &lt;grad, v&gt; | a\\|b &amp; c |" in render.to_markdown(rows)


def test_markdown_of_a_clean_report_says_none_failed():
    rows = render.parse(json.dumps({**REPORT, "records": [_record()]}), "r.json")
    text = render.to_markdown(rows)
    assert "1 records, 0 failed, 1 checks." in text
    assert "## Diagnosis\n\nNone: nothing failed.\n" in text
    assert text.rstrip().endswith("## Failures\n\nNone.")


DIAGNOSIS = {
    "impl": "my_mlp",
    "pattern": "mask-missing",
    "location": "backward",
    "tensors": ["dW1", "db1"],
    "evidence": "dW1, db1 wrong exactly where a1 <= 0",
    "hint": "the ReLU derivative 1[a1 > 0] is not applied",
    "where": "forward agrees with the float64 reference",
}
REPORT_2 = {"schema": "mlp-parity-report/2", "records": RECORDS, "diagnoses": [DIAGNOSIS]}


def test_a_report_of_schema_2_shows_its_diagnosis_first():
    rows, diagnoses = render.parse_report(json.dumps(REPORT_2), "r.json")
    assert len(rows) == len(RECORDS)
    text = render.to_markdown(rows, diagnoses=diagnoses)
    section = text.split("## Diagnosis\n\n")[1].split("\n## ")[0]
    assert section.splitlines()[0] == (
        "- **my\\_mlp**: `mask-missing` in backward (dW1, db1): dW1, db1 wrong exactly where "
        "a1 &lt;= 0. Usually: the ReLU derivative 1\\[a1 &gt; 0\\] is not applied."
    )
    assert "Where, my\\_mlp: forward agrees with the float64 reference." in section
    assert text.index("## Diagnosis") < text.index("## Worst headroom per check")


def test_a_report_of_schema_1_renders_without_a_diagnosis(tmp_path):
    rows, diagnoses = render.parse_report(json.dumps(REPORT), "r.json")
    assert diagnoses is None
    assert "## Diagnosis\n\nNot recorded (a report of schema mlp-parity-report/1).\n" in (
        render.to_markdown(rows, diagnoses=diagnoses)
    )
    report = tmp_path / "old.json"
    report.write_text(json.dumps(REPORT))
    done = _run(str(report))
    assert done.returncode == 0 and "Not recorded" in done.stdout


def test_the_report_the_harness_writes_renders(tmp_path):
    from mlp_parity import diagnose, report

    d = diagnose.Diagnosis("m", "sign", "backward", ("db2",), "db2 = -1 x expected")
    path = tmp_path / "r.json"
    report.write(path, [render.Row(**_record())], [d])
    rows, diagnoses = render.load_report(path)
    assert diagnoses == [d] and len(rows) == 1


def test_markdown_of_an_empty_report():
    text = render.to_markdown([])
    assert "0 records, 0 failed, 0 checks." in text
    assert "No records." in text


def test_non_finite_error_is_shown_as_such():
    rows = render.parse(
        json.dumps({**REPORT, "records": [_record(max_abs_err=None, passed=False)]}), "r.json"
    )
    assert "| not finite |" in render.to_markdown(rows)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mlp_parity.render", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_command_writes_markdown_to_a_file(tmp_path):
    report = tmp_path / "report.json"
    report.write_text(json.dumps(REPORT))
    out = tmp_path / "report.md"
    done = _run(str(report), "-o", str(out))
    assert (done.returncode, done.stderr) == (0, "")
    rows, diagnoses = render.parse_report(json.dumps(REPORT), "x")
    assert out.read_text(encoding="utf-8") == render.to_markdown(rows, diagnoses=diagnoses)


def test_command_prints_markdown_without_output_option(tmp_path):
    report = tmp_path / "report.json"
    report.write_text(json.dumps(REPORT))
    done = _run(str(report))
    assert done.returncode == 0
    assert done.stdout.startswith("# Parity report\n")


BAD_REPORTS = {
    "missing": (None, "no such file"),
    "malformed": ('{"schema": "mlp-parity-report/1", "records": [', "not valid JSON"),
    "not an object": ("[1, 2]", "top level is list, expected an object"),
    "wrong schema": (
        json.dumps({"schema": "mlp-parity-report/9", "records": []}),
        "schema is 'mlp-parity-report/9', expected 'mlp-parity-report/1' or 'mlp-parity-report/2'",
    ),
    "no diagnoses in /2": (
        json.dumps({"schema": "mlp-parity-report/2", "records": []}),
        "'diagnoses' is NoneType, expected a list",
    ),
    "diagnosis lacks a field": (
        json.dumps({"schema": "mlp-parity-report/2", "records": [], "diagnoses": [{"impl": "m"}]}),
        "diagnoses[0] lacks pattern, location, evidence, tensors",
    ),
    "diagnosis tensors not a list": (
        json.dumps(
            {
                "schema": "mlp-parity-report/2",
                "records": [],
                "diagnoses": [
                    {
                        "impl": "m",
                        "pattern": "sign",
                        "location": "backward",
                        "evidence": "e",
                        "tensors": "db2",
                    }
                ],
            }
        ),
        "diagnoses[0].tensors is 'db2', expected a list of strings",
    ),
    "no schema": (json.dumps({"records": []}), "schema is None"),
    "records not a list": (
        json.dumps({"schema": "mlp-parity-report/1", "records": {}}),
        "'records' is dict, expected a list",
    ),
    "record lacks a field": (
        json.dumps(
            {
                "schema": "mlp-parity-report/1",
                "records": [{k: v for k, v in _record().items() if k != "tolerance"}],
            }
        ),
        "records[0] lacks tolerance",
    ),
    "field of wrong type": (
        json.dumps({"schema": "mlp-parity-report/1", "records": [_record(headroom="big")]}),
        "records[0].headroom is 'big', expected a number or null",
    ),
    "passed not a bool": (
        json.dumps({"schema": "mlp-parity-report/1", "records": [_record(passed=1)]}),
        "records[0].passed is 1, expected true or false",
    ),
}


@pytest.mark.parametrize("name", list(BAD_REPORTS))
def test_bad_report_gives_one_line_error_and_exit_2(tmp_path, name):
    content, what = BAD_REPORTS[name]
    report = tmp_path / "report.json"
    if content is not None:
        report.write_text(content)
    done = _run(str(report))
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"render: {report}: ")
    assert what in lines[0]


def test_unwritable_output_gives_one_line_error_and_exit_2(tmp_path):
    report = tmp_path / "report.json"
    report.write_text(json.dumps(REPORT))
    out = tmp_path / "no-such-dir" / "report.md"
    done = _run(str(report), "-o", str(out))
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"render: {out}: cannot write: No such file or directory"]


def test_the_worst_error_is_taken_where_the_tolerance_was():
    row = render.Row(**_record(max_abs_err=0.5, tolerance=1e-5, headroom=4.0))
    assert render.worst_error(row) == 2.5e-6  # not the 0.5 of another element
    assert render.worst_error(render.Row(**_record(headroom=None))) == 0.0


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip("|").split("|")]


def test_every_number_of_a_failure_row_but_the_maxima_is_from_one_element():
    """The largest error sits at another element than the least headroom: error, tolerance
    and headroom are that element's; the maxima are labelled as such."""
    record = _record(max_abs_err=1.04, tolerance=7.24e-08, headroom=1.19e-07, passed=False)
    text = render.to_markdown(render.parse(json.dumps({**REPORT, "records": [record]}), "r"))
    header, _, row = (
        line for line in text.split("## Failures")[1].splitlines() if line.startswith("|")
    )
    cells = dict(zip(_cells(header), _cells(row)))
    error, tolerance = float(cells["error"]), float(cells["tolerance"])
    headroom = float(cells["headroom"].rstrip("×"))
    assert error == pytest.approx(tolerance / headroom, rel=1e-2)  # 0.608, not 1.04
    assert cells["max abs err (any element)"] == "1.04"
    assert "one element" in text.split("## Failures")[1]


def test_the_error_at_the_worst_element_is_taken_from_the_record_when_it_has_it():
    row = render.Row(**_record(max_abs_err=0.5, tolerance=0.0, headroom=0.0, passed=False))
    assert render.worst_error(row) == 0.5  # an old report: the best it can say
    row = render.Row(
        **_record(max_abs_err=0.5, tolerance=0.0, headroom=0.0, passed=False, worst_abs_err=0.01)
    )
    assert render.worst_error(row) == 0.01


def test_parse_reads_reports_without_the_worst_element_error():
    (row,) = render.parse(json.dumps({**REPORT, "records": [_record()]}), "r.json")
    assert row.worst_abs_err is None


def test_the_comparison_records_its_worst_element():
    """Element 0 has the largest error, element 1 the least headroom; element 2 a zero
    tolerance (least headroom of all, 0)."""
    from mlp_parity import compare, report
    from mlp_parity.cases import Case, Shape

    where = compare.Where("backward", "m", Case(0, Shape(2, 4, 8), "float64", "cpu"))
    expected = np.zeros(3)
    with report.capture() as records:
        rec = compare.expect_close(
            np.array([1.0, 0.1, 0.0]), expected, np.array([10.0, 0.2, 0.0]), tensor="t", where=where
        )
        with pytest.raises(compare.ParityError):
            compare.expect_close(
                np.array([1.0, 0.1, 0.001]),
                expected,
                np.array([10.0, 0.2, 0.0]),
                tensor="t",
                where=where,
            )
    assert (rec.max_abs_err, rec.tolerance, rec.headroom, rec.worst_abs_err) == (1.0, 0.2, 2.0, 0.1)
    failed = records[-1]
    assert (failed.max_abs_err, failed.tolerance, failed.headroom, failed.worst_abs_err) == (
        1.0,
        0.0,
        0.0,
        0.001,
    )
