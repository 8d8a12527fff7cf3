"""lazyre.defer_compile: a `python -m infradoctor` process leaves PyYAML's pure-Python
Reader pattern (~4 ms at `import yaml`, never run by CSafeLoader) uncompiled until used,
and that Reader still refuses what it refused. Fresh interpreters, nothing timed."""

from __future__ import annotations

import subprocess
import sys

ENTRY_PROBE = """
import infradoctor.cli.main as cli

def probe(argv=None):
    import yaml.reader
    from infradoctor import lazyre
    print(isinstance(yaml.reader.Reader.NON_PRINTABLE, lazyre._Lazy))
    return 0

cli.main = probe
cli.entry()
"""

READER_PROBE = """
import re
from infradoctor.lazyre import YAML_NON_PRINTABLE, defer_compile
defer_compile(YAML_NON_PRINTABLE)
import yaml
print(type(yaml.reader.Reader.NON_PRINTABLE).__name__)
try:
    yaml.load("a: b\\x07", Loader=yaml.Loader)  # the pure-Python reader
except yaml.reader.ReaderError as exc:
    print("refused", "special characters are not allowed" in str(exc))
print(yaml.load("a: \\u00e9", Loader=yaml.Loader) == {"a": "\\u00e9"})
print(isinstance(yaml.reader.Reader.NON_PRINTABLE.search, type(re.compile("x").search)))
"""


def _run(code: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return out.stdout.split()


def test_the_cli_process_defers_pyyamls_reader_pattern() -> None:
    # False here means PyYAML changed its pattern: update lazyre.YAML_NON_PRINTABLE
    assert _run(ENTRY_PROBE) == ["True"]


def test_the_deferred_pattern_still_refuses_non_printable_text() -> None:
    assert _run(READER_PROBE) == ["_Deferred", "refused", "True", "True", "True"]
