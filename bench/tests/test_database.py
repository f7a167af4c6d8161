"""The bench's database: PostgreSQL where it answers, else a SQLite file, saying so."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import database
from bench.database import bench_database


def test_a_server_that_does_not_answer_leaves_the_pairs_on_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Nothing listens at the URL: the run goes on with a migrated SQLite file, and says why."""
    monkeypatch.setattr(database, "DATABASE_URL", "postgresql://postgres@127.0.0.1:1/nowhere")
    with bench_database(tmp_path) as chosen:
        assert chosen.kind == "a SQLite file"
        assert chosen.url.startswith("sqlite+aiosqlite:///")
        assert Path(chosen.url.removeprefix("sqlite+aiosqlite:///")).is_file()
    assert "BENCH_DATABASE_URL does not answer" in capsys.readouterr().out
