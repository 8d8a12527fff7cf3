"""Regenerate src/infradoctor/data/images_table.py from data/images.toml.

A lint reads the image table from this generated module (its bytecode is cached) instead
of importing tomllib and parsing the TOML in every process (~9 ms of CPU per lint).
The TOML stays the file to edit; tests/test_images_table_fresh.py fails when the two
disagree. Run: `python scripts/gen_images_table.py` (then commit both files).
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "src" / "infradoctor" / "data"
HEADER = '''"""GENERATED from images.toml by scripts/gen_images_table.py: do not edit by hand.

The `[[image]]` rows exactly as tomllib reads them (facts/image_table.py validates them)."""

from typing import Any

ROWS: list[dict[str, Any]] = '''


def main() -> int:
    rows = tomllib.loads((DATA / "images.toml").read_text(encoding="utf-8")).get("image", [])
    target = DATA / "images_table.py"
    target.write_text(HEADER + repr(rows) + "\n", encoding="utf-8")
    ruff = Path(sys.executable).with_name("ruff")
    subprocess.run(
        [str(ruff) if ruff.exists() else "ruff", "format", "-q", str(target)], check=True
    )
    print(f"wrote {target} ({len(rows)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
