"""The README's figures are the committed result's: generated from docs/bench/result.json, never edited."""

from __future__ import annotations

from pathlib import Path

from matjip_bench import readme
from matjip_bench.cli import DOCS, PLOT, README, RESULT
from matjip_bench.result import Result

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_the_readme_section_is_rendered_from_the_committed_result() -> None:
    result = Result.read(DOCS / RESULT)
    assert not result.smoke, "docs/bench/ holds a full run, not a smoke run"
    assert readme.section(README.read_text()) == readme.render(result), (
        "README.md's bench figures differ from docs/bench/result.json: run ./matjip bench --render-only"
    )


def test_the_committed_plot_is_a_png() -> None:
    assert (DOCS / PLOT).read_bytes()[:8] == PNG_SIGNATURE


def test_rewriting_the_readme_changes_only_its_section(tmp_path: Path) -> None:
    result = Result.read(DOCS / RESULT)
    copy = tmp_path / "README.md"
    stale = f"intro\n\n{readme.BEGIN}\nold figures\n{readme.END}\n\nafter\n"
    copy.write_text(stale)
    assert readme.update(copy, result) is True
    text = copy.read_text()
    assert text.startswith("intro\n\n") and text.endswith("\n\nafter\n")
    assert readme.section(text) == readme.render(result)
    assert readme.update(copy, result) is False
