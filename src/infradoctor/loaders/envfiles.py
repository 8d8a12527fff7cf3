"""Reading each compose project's dotenv files into the model (Project.env_files)."""

from __future__ import annotations

from pathlib import PurePosixPath

from infradoctor.facts.env import SAMPLE_NAMES
from infradoctor.loaders.interpolate import parse_env_file
from infradoctor.model.source import SourceFile
from infradoctor.model.stack import EnvFile, Project, Stack
from infradoctor.textio import Refusal, read_regular

MAX_ENV_BYTES = 1024 * 1024


def _candidates(stack: Stack, project: Project) -> list[str]:
    """`.env`, the samples, `.env.<profile>`/`<profile>.env` for every profile named by a
    service or on the command line, and every `.env.*` file in the directory (only names
    the directory holds are read: one listing instead of a failed open per name)."""
    names = [".env", *SAMPLE_NAMES]
    profiles = [p for svc in project.services.values() for p in svc.profiles]
    for p in (*profiles, *stack.profiles):
        names += [f".env.{p}", f"{p}.env"]
    directory = stack.root / project.directory
    try:
        present = {f.name for f in directory.iterdir()}
    except (OSError, ValueError):
        return list(dict.fromkeys(names))  # unlistable: try each name
    names += sorted(n for n in present if n.startswith(".env."))
    # a name with a slash (a profile given as `a/b`) is not in the listing: keep it
    return [n for n in dict.fromkeys(names) if n in present or "/" in n]


def _read(stack: Stack, rel: str) -> EnvFile | None:
    """One dotenv file: the loaded text when the tree's files hold it, else read from disk
    under the reading policy (docs/reading.md). None when absent or refused."""
    src = stack.files.get(rel)
    text: str | None = src.text if isinstance(src, SourceFile) and src.text else None
    if text is None:
        data = read_regular(stack.root / rel, MAX_ENV_BYTES, stack.root)
        if isinstance(data, Refusal):
            return None
        text = data.decode("utf-8", "replace")
    parsed = parse_env_file(text, {})
    return EnvFile(rel, dict(parsed.values), dict(parsed.lines))


def read_env_files(stack: Stack) -> None:
    """Fill `Project.env_files` for every compose project."""
    for project in stack.projects:
        for name in _candidates(stack, project):
            rel = (PurePosixPath(project.directory) / name).as_posix().removeprefix("./")
            found = _read(stack, rel)
            if found is not None:
                project.env_files[name] = found
