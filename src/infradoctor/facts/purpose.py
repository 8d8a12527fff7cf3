"""What a compose file or service is for: CI, tests, development or maintenance. Such files
are held to their purpose (a CI fixture needs no restart policy), so availability and
log-limit findings on them become info (infradoctor.purpose)."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from infradoctor.lazyre import lazy
from infradoctor.model.stack import Project, Service, Stack

# Directory names that say what the files below them are for.
_DIR_PURPOSES = {
    "test": "test",
    "tests": "test",
    "testing": "test",
    "e2e": "test",
    "integration-tests": "test",
    "integration_tests": "test",
    "ci": "CI",
    ".ci": "CI",
    ".github": "CI",
    ".gitlab": "CI",
    ".circleci": "CI",
    ".devcontainer": "development",
    "devcontainer": "development",
    "dev": "development",
    "development": "development",
}

# Words of the file name (docker-compose.ci.mysql.yml -> docker, compose, ci, mysql).
_NAME_PURPOSES = (
    (re.compile(r"^(ci|github|gitlab|jenkins|travis|buildkite)$"), "CI"),
    (re.compile(r"^(tests?\w*|testing|e2e|it|integration|sut|qa)$"), "test"),
    (re.compile(r"^(dev|develop|development|local|debug|devcontainer)$"), "development"),
    (re.compile(r"^(upgrade|migrate|migration|maintenance)$"), "maintenance"),
)

# A leading comment saying the file is not for production (NginxProxyManager's CI files:
# "This is a CI docker-compose file ... should not be used for production").
_HEADER_RE = lazy(
    r"not\s+(?:be\s+)?(?:used\s+)?(?:meant\s+)?(?:intended\s+)?(?:for|in)\s+production"
    r"|not\s+(?:suitable|ready)\s+for\s+production|\bnon-production\b"
    r"|\b(?:for|in)\s+(?:local\s+)?(?:development|testing|tests|ci)\s+(?:only|purposes)\b"
    r"|\b(?:development|testing|dev|test|ci)[\s-]+only\b"
    r"|\bonly\s+for\s+(?:local\s+)?(?:development|testing|tests|ci)\b"
    r"|\bci\s+(?:docker-)?compose\s+file\b|\btest\s+(?:docker-)?compose\s+file\b",
    re.IGNORECASE,
)
_HEADER_LINES = 30

# Profiles that select services for development or tests (rules/profiles/_profiles.py
# judges profiles the same way; e2e/tests added).
DEV_PROFILES = frozenset(
    {"dev", "develop", "development", "local", "debug", "test", "tests", "testing", "ci", "e2e"}
)


def dev_profile(profile: str) -> bool:
    p = profile.strip().lower()
    return p in DEV_PROFILES or p.startswith(("dev-", "dev_")) or p.endswith("-dev")


def swarm_file(path: str) -> bool:
    """A stack file for `docker stack deploy` (docker-compose.swarm.yml, swarm/...): swarm
    restarts tasks by default and ignores depends_on."""
    name = re.split(r"[-._]+", PurePosixPath(path.lower()).name)
    return "swarm" in re.split(r"[-._/]+", path.lower()) or "stack" in name


def _path_purpose(path: str) -> str | None:
    parts = PurePosixPath(path).parts
    for part in parts[:-1]:
        for word in (part.lower(), *re.split(r"[-_]+", part.lower())):
            found = _DIR_PURPOSES.get(word)
            if found:
                return found
    stem = re.sub(r"\.ya?ml$", "", parts[-1].lower()) if parts else ""
    words = [w for w in re.split(r"[-._]+", stem) if w and w not in ("docker", "compose")]
    for pattern, purpose in _NAME_PURPOSES:
        if any(pattern.match(w) for w in words):
            return purpose
    return None


def _header_purpose(text: str) -> str | None:
    comments: list[str] = []
    for line in text.split("\n", _HEADER_LINES)[:_HEADER_LINES]:  # never the whole file
        stripped = line.strip()
        if not stripped or stripped == "---":
            continue
        if not stripped.startswith("#"):
            break
        comments.append(stripped.lstrip("#").strip())
    if not _HEADER_RE.search(" ".join(comments)):
        return None
    return "CI" if re.search(r"\bci\b", " ".join(comments), re.IGNORECASE) else "non-production"


def file_purpose(stack: Stack, path: str) -> str | None:
    """'CI', 'test', 'development', 'maintenance' or 'non-production' for a compose file
    that says (by its path, name or header comment) it is not a production file."""
    src = stack.files.get(path)
    from_path = _path_purpose(path)
    if from_path is not None or src is None:
        return from_path
    return _header_purpose(src.text)


def service_purpose(
    stack: Stack,
    project: Project | None,
    service: Service,
    memo: dict[str, str | None] | None = None,
) -> str | None:
    """Why `service` is not held to production rules, as a short phrase for messages
    ("test compose file", "only in the 'dev' profile"), or None. `memo` keeps each
    file's purpose across calls."""
    memo = {} if memo is None else memo
    files = [service.location.file]
    if project is not None and project.compose_files:
        # a variant read on top of its base is for what the variant is for
        files = [project.compose_files[-1], service.location.file]
    for path in files:
        if path not in memo:
            memo[path] = file_purpose(stack, path)
        purpose = memo[path]
        if purpose is not None:
            return f"{purpose} compose file"
    profiles = [p for p in service.profiles if p]
    if profiles and all(dev_profile(p) for p in profiles):
        return f"only in the {profiles[0]!r} profile"
    return None
