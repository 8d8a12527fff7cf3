"""Just enough nginx config reading for the collectors: where the logs and temp files
are, what each server listens on and proxies to, and the config text itself when
`nginx -T` cannot run (`read_config_files`).

The dump parsing (sections, statements, facts) lives in `syntax.nginxdump`, shared with
the analyzers; it is re-exported here for the collectors."""

from __future__ import annotations

import glob
import os
from pathlib import Path

from infradoctor.loaders.files import Refusal, read_regular
from infradoctor.syntax.nginxdump import (
    SECTION_RE,
    NginxFacts,
    ServerFacts,
    Stmt,
    compiled_defaults,
    facts_from_dump,
    split_sections,
    statements,
    tokenize,
)

MAX_CONFIG_FILES = 500
MAX_CONFIG_BYTES = 8 * 1024 * 1024


def read_config_files(conf: Path, prefix: Path | None = None, root: str | None = None) -> str:
    """Concatenate a config and its includes in `nginx -T` format (used when nginx -T
    cannot run). Bounded in file count and bytes; unreadable files become comments.

    `root` (e.g. /proc/<pid>/root of a containerized nginx) is prepended to every path
    read; the section headers keep the paths as nginx sees them."""
    base = prefix if prefix is not None else conf.parent
    seen: set[str] = set()
    parts: list[str] = []
    total = 0
    top = (root or "").rstrip("/")

    def visit(path: Path) -> None:
        nonlocal total
        key = str(path)
        if key in seen or len(seen) >= MAX_CONFIG_FILES or total > MAX_CONFIG_BYTES:
            return
        seen.add(key)
        # Never blocks on a FIFO; inside a container root, symlinks resolve inside it
        # (an absolute link must not make us read the host's file of that name).
        left = max(MAX_CONFIG_BYTES - total, 0)
        data = read_regular(path, left, in_root=top) if top else read_regular(path, left)
        if isinstance(data, Refusal):
            parts.append(f"# configuration file {path}:\n# unreadable: {data.message}\n")
            return
        text = data.decode("utf-8", "replace")
        total += len(text)
        parts.append(f"# configuration file {path}:\n{text}\n")
        for st in statements(text, str(path)):
            if st.name == "include" and st.args:
                pattern = st.args[0]
                if not os.path.isabs(pattern):
                    pattern = str(base / pattern)
                for hit in sorted(glob.glob(top + pattern)):
                    visit(Path(hit[len(top) :] if top else hit))

    visit(conf)
    return "".join(parts)


__all__ = [
    "MAX_CONFIG_BYTES",
    "MAX_CONFIG_FILES",
    "SECTION_RE",
    "NginxFacts",
    "ServerFacts",
    "Stmt",
    "compiled_defaults",
    "facts_from_dump",
    "read_config_files",
    "split_sections",
    "statements",
    "tokenize",
]
