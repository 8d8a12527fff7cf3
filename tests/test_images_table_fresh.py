"""data/images_table.py (what a lint reads) is generated from data/images.toml (what
people edit) and must hold exactly its rows."""

from __future__ import annotations

import tomllib

from infradoctor.data.images_table import ROWS
from tests.conftest import REPO

TOML = REPO / "src" / "infradoctor" / "data" / "images.toml"


def test_generated_rows_equal_the_toml() -> None:
    rows = tomllib.loads(TOML.read_text(encoding="utf-8")).get("image", [])
    assert rows, "images.toml lost its [[image]] rows"
    assert ROWS == rows, (
        "src/infradoctor/data/images_table.py is stale: run `python scripts/gen_images_table.py`"
    )
    # equal as values and as types (a TOML true must not become 1, nor a list a tuple)
    assert repr(ROWS) == repr(rows)
