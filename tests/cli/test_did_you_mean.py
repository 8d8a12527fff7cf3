"""Unknown rule names in --select/--ignore/--extend-select and in config get the closest
codes, names, categories or groups, as `explain` does."""

from __future__ import annotations

from pathlib import Path

import pytest

from infradoctor.catalogue import unknown_selector, validate_config
from infradoctor.cli.main import main
from infradoctor.config import ConfigError, load_config_file


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("harden", "hardening"),
        ("proxy-target-unknwn-host", "proxy-target-unknown-host"),
        ("XF0001", "XF001"),
        ("kubernets", "kubernetes"),
    ],
)
def test_the_closest_selector_is_suggested(typo: str, meant: str) -> None:
    assert f"did you mean {meant}" in unknown_selector(typo) or meant in unknown_selector(typo)


def test_nothing_close_points_to_the_catalogue() -> None:
    assert unknown_selector("zzzz").endswith("(`infradoctor rules` lists them)")


def test_cli_names_the_option_and_the_suggestion(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["lint", str(tmp_path), "--ignore", "harden"]) == 2
    err = capsys.readouterr().err
    assert "--ignore: unknown rule code, category or name 'harden'" in err
    assert "did you mean hardening?" in err


def test_config_file_gets_the_suggestion_too(tmp_path: Path) -> None:
    cfg = tmp_path / ".infradoctor.toml"
    cfg.write_text('extend-select = ["hardenin"]\n')
    with pytest.raises(ConfigError, match="did you mean hardening"):
        validate_config(load_config_file(cfg))
