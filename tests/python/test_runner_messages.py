"""The runner's one-paragraph failure messages, from dbt's run_results.json and output."""

from __future__ import annotations

import json
import signal

from user_segmentation import runner


def write_results(path, *nodes):
    path.write_text(json.dumps({"results": list(nodes)}))
    return path


def test_killed_dbt():
    message = runner.explain_failure(-signal.SIGKILL, "", runner.Path("/nonexistent"))
    assert message == "dbt was stopped (SIGKILL) before it finished."


def test_our_own_error_is_passed_through(tmp_path):
    results = write_results(
        tmp_path / "run_results.json",
        {
            "unique_id": "model.user_segmentation.stg_user_profiles__records",
            "status": "error",
            "message": "Runtime Error in model stg_user_profiles__records (models/x.sql)\n"
            "  Invalid Input Error: input file /d/u.csv: the header has no column 'Age'\n",
        },
    )
    message = runner.explain_failure(1, "", results)
    assert message == "input file /d/u.csv: the header has no column 'Age'."


def test_csv_reader_error_in_plain_words(tmp_path):
    results = write_results(
        tmp_path / "run_results.json",
        {
            "unique_id": "model.user_segmentation.stg_user_profiles__records",
            "status": "error",
            "message": "Runtime Error\n  Invalid Input Error: CSV Error on Line: 7\n"
            "Original Line: 6,a,b\xfc\nInvalid unicode (byte sequence mismatch) detected.\n\n"
            "  file = /d/my users.csv\n  delimiter = ,\n",
        },
    )
    message = runner.explain_failure(1, "", results)
    assert message.startswith("input file /d/my users.csv, line 7: the file is not UTF-8 encoded")
    assert "Original Line" not in message and "\n" not in message


def test_failed_data_test_and_more_problems(tmp_path):
    results = write_results(
        tmp_path / "run_results.json",
        {"unique_id": "model.user_segmentation.a", "status": "success", "message": "OK"},
        {
            "unique_id": "test.user_segmentation.assert_no_input_row_lost",
            "status": "fail",
            "failures": 3,
            "message": "Got 3 results, configured to fail if != 0",
        },
        {
            "unique_id": "test.user_segmentation.not_null_x_y.abc",
            "status": "fail",
            "failures": 1,
            "message": "Got 1 result",
        },
    )
    message = runner.explain_failure(1, "", results)
    assert message.startswith("the data test assert_no_input_row_lost failed (3 failing rows).")
    assert "1 more problem(s)" in message
    assert "abc" not in message


def test_compile_error_from_the_output(tmp_path):
    output = (
        "\x1b[0m21:00:00  Encountered an error:\nCompilation Error in model stg_x (models/x.sql)\n"
        "  var max_hours_per_day must be a number, got 'x'\n"
    )
    message = runner.explain_failure(2, output, tmp_path / "missing.json")
    assert "var max_hours_per_day must be a number, got 'x'" in message
    assert "\x1b" not in message
