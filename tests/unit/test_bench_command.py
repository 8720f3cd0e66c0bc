"""`./linli bench NAME` passes the benchmark's output through and appends its JSON line to bench/results/NAME.jsonl."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import devstack.__main__ as commands

FAKE_BENCHMARK = """
import json, sys
print("warming up")
print(json.dumps({"benchmark": "fake", "calls_per_second": 12.5, "options": sys.argv[1:]}))
print("done")
"""


@pytest.fixture
def bench_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bench = tmp_path / "bench"
    bench.mkdir()
    (bench / "fake.py").write_text(FAKE_BENCHMARK)
    (bench / "_helpers.py").write_text("")
    monkeypatch.setattr(commands, "BENCH", bench)
    return bench


def test_a_run_appends_its_json_line_with_a_date(bench_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert commands.main(["bench", "fake", "--quick"]) == 0
    assert commands.main(["bench", "fake"]) == 0

    lines = (bench_dir / "results" / "fake.jsonl").read_text().splitlines()
    first, second = (json.loads(line) for line in lines)
    assert first["calls_per_second"] == 12.5
    assert first["options"] == ["--quick"]
    assert second["options"] == []
    assert first["date"].endswith("+00:00")
    printed = capsys.readouterr().out
    assert printed.count("warming up") == 2
    assert printed.count('"benchmark": "fake"') == 2


def test_a_date_the_benchmark_gave_is_kept(bench_dir: Path) -> None:
    (bench_dir / "dated.py").write_text('print(\'{"benchmark": "dated", "date": "2026-12-04T18:09:00+00:00"}\')')
    assert commands.main(["bench", "dated"]) == 0
    recorded = json.loads((bench_dir / "results" / "dated.jsonl").read_text())
    assert recorded["date"] == "2026-12-04T18:09:00+00:00"


def test_a_failed_run_or_one_without_json_records_nothing(bench_dir: Path) -> None:
    (bench_dir / "broken.py").write_text('print(\'{"benchmark": "broken"}\'); raise SystemExit(3)')
    (bench_dir / "silent.py").write_text('print("no result")')
    assert commands.main(["bench", "broken"]) == 3
    assert commands.main(["bench", "silent"]) == 1
    assert not (bench_dir / "results").exists()


def test_the_list_leaves_out_helpers_and_an_unknown_name_is_refused(
    bench_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert commands.main(["bench"]) == 0
    assert capsys.readouterr().out.split() == ["fake"]
    assert commands.main(["bench", "nothing"]) == 2
