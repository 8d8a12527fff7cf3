"""Readiness facts for depends_on and proxy rules: whether a service's image defines a
HEALTHCHECK (known yes, known no, or unknown), and whether a service waits for its
dependencies itself (wait-for-it, dockerize -wait, pg_isready / nc -z loops)."""

from __future__ import annotations

from pathlib import Path

from infradoctor.facts.images import image_facts, parse_image, unresolved_image
from infradoctor.lazyre import lazy
from infradoctor.model.source import Location
from infradoctor.model.stack import Dockerfile, Service, Stack
from infradoctor.records import record

YES = "yes"
NO = "no"
UNKNOWN = "unknown"

MAX_SCRIPT_BYTES = 256_000
MAX_COMMAND_CHARS = 20_000

# A start command or entrypoint script that waits until a dependency answers.
WAIT_RE = lazy(
    r"(?:^|[\s/;&|(`'\"])(?:wait-for-it|wait-for|wait_for|waitforit|wait4x|wait4)[\w.-]*"
    r"|\bdockerize\b[^\n;&|]*\s-wait\b"
    r"|\bpg_isready\b|\bmysqladmin\b[^\n;&|]*\bping\b|\bnc\s+(?:-\w+\s+)*-\w*z"
    r"|\bcheck_database_connection\b|\bwait_for_(?:db|database|postgres|mysql|redis)\b"
)
SCRIPT_WORD_RE = lazy(r"[\w./-]+\.(?:sh|bash)\b|[\w./-]*(?:entrypoint|boot|start)[\w.-]*")


@record(frozen=True, hot=True)
class ImageHealth:
    """Whether the image a service runs defines a HEALTHCHECK, and how we know."""

    state: str  # YES | NO | UNKNOWN
    evidence: str
    location: Location | None = None


def _same_repo(a: str, b: str) -> bool:
    """Two scan-relative paths in one repository: same first directory, or one at the
    scan root."""
    ha, hb = a.split("/", 1), b.split("/", 1)
    return len(ha) == 1 or len(hb) == 1 or ha[0] == hb[0]


@record
class Builders:
    """Where registry images are built in the tree, computed once per rule run: services
    with a linked Dockerfile by name and by image, and Dockerfiles by the name their
    directory or suffix gives (`data/Dockerfiles/unbound/Dockerfile`, `Dockerfile.api`)."""

    by_name: dict[str, list[Service]]
    by_image: dict[str, list[Service]]
    by_dir: dict[str, list[Dockerfile]]


def _dockerfile_names(path: str) -> list[str]:
    parts = path.lower().split("/")
    base = parts[-1]
    names = [parts[-2]] if len(parts) > 1 and base == "dockerfile" else []
    if base.startswith("dockerfile."):
        names.append(base[len("dockerfile.") :])
    elif base.endswith(".dockerfile"):
        names.append(base[: -len(".dockerfile")])
    return names


def built_elsewhere(stack: Stack) -> Builders:
    out = Builders({}, {}, {})
    for svc in stack.services:
        if svc.dockerfile is None:
            continue
        out.by_name.setdefault(svc.name, []).append(svc)
        if svc.image and not unresolved_image(svc.image):
            out.by_image.setdefault(parse_image(svc.image).path, []).append(svc)
    for path, df in stack.dockerfiles.items():
        for name in _dockerfile_names(path):
            out.by_dir.setdefault(name, []).append(df)
    return out


def _by_directory(svc: Service, image: str, index: Builders) -> Dockerfile | None:
    """`ghcr.io/mailcow/unbound` run here and `data/Dockerfiles/unbound/Dockerfile` in
    the same repository: the only Dockerfile named like a namespaced image that the
    table does not describe (an official image is never matched this way)."""
    ref = parse_image(image)
    if "/" not in ref.path or image_facts(image, mirrors=False) is not None:
        return None
    found = [df for df in index.by_dir.get(ref.last, []) if _same_repo(df.path, svc.file)]
    return found[0] if len(found) == 1 else None


def _builder(svc: Service, index: Builders) -> Dockerfile | None:
    """The Dockerfile that builds `svc`'s registry image elsewhere in its repository."""
    if not svc.image or unresolved_image(svc.image):
        return None
    path = parse_image(svc.image).path
    for other in index.by_image.get(path, []):
        if other is not svc and _same_repo(other.file, svc.file):
            return other.dockerfile
    for other in index.by_name.get(svc.name, []):
        if other is svc or not _same_repo(other.file, svc.file):
            continue
        if other.image is None or parse_image(other.image).path == path:
            return other.dockerfile
    return _by_directory(svc, svc.image, index)


def _from_dockerfile(df: Dockerfile, how: str) -> ImageHealth:
    ins = df.healthcheck
    if ins is not None and ins.value.strip().upper() != "NONE":
        return ImageHealth(YES, f"HEALTHCHECK in {df.path} ({how})", ins.location)
    base = df.final.base_image if df.final is not None else ""
    row = image_facts(base, mirrors=False) if base else None
    if row is not None and row.healthcheck:
        return ImageHealth(YES, f"base image {base} defines a HEALTHCHECK", None)
    return ImageHealth(NO, f"no HEALTHCHECK in {df.path} ({how})", None)


def image_health(svc: Service, index: Builders) -> ImageHealth:
    """What the image `svc` runs says about a HEALTHCHECK (compose's own is not looked
    at here: callers check `effective_healthcheck` first)."""
    if svc.dockerfile is not None:
        return _from_dockerfile(svc.dockerfile, "built here")
    other = _builder(svc, index)
    if other is not None:
        return _from_dockerfile(other, f"builds {svc.image}")
    image = svc.image or ""
    if not image:
        where = svc.build_context or svc.build_dockerfile or "its build context"
        return ImageHealth(UNKNOWN, f"built from '{where}', whose Dockerfile was not read")
    row = image_facts(image, mirrors=False)
    if row is None or row.healthcheck is None:
        return ImageHealth(UNKNOWN, f"image '{image}' may define a HEALTHCHECK")
    source = row.source("healthcheck") or "images.toml"
    if row.healthcheck:
        return ImageHealth(YES, f"image '{image}' defines a HEALTHCHECK ({source})")
    return ImageHealth(NO, f"image '{image}' defines no HEALTHCHECK ({source})")


def _text(value: list[str] | str | None) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else " ".join(str(v) for v in value)


def start_text(svc: Service) -> str:
    """Entrypoint and command as run: compose's, else the Dockerfile's."""
    entry, cmd = _text(svc.entrypoint), _text(svc.command)
    df = svc.dockerfile
    if df is not None:
        if not entry and df.entrypoint is not None:
            entry = df.entrypoint.value
        if not cmd and df.cmd is not None and svc.entrypoint is None:
            cmd = df.cmd.value
    return f"{entry} {cmd}".strip()[:MAX_COMMAND_CHARS]


def script_names(text: str) -> list[str]:
    """Names of the scripts a start command runs (`./docker-entrypoint.sh`, `start`), in
    the order it names them."""
    names = dict.fromkeys(m.group(0).rsplit("/", 1)[-1] for m in SCRIPT_WORD_RE.finditer(text))
    names.pop("", None)
    return list(names)


# Table rows that are databases: what `waits_for_dependency` images wait for.
DATABASE_ROWS = frozenset(
    {"postgres", "postgis", "timescaledb", "mysql", "mariadb", "percona", "mongo", "mssql"}
)


def _is_database(target: Service | None) -> bool:
    row = image_facts(target.image) if target is not None and target.image else None
    return row is not None and row.name in DATABASE_ROWS


def waits_itself(svc: Service, root: Path | None, target: Service | None = None) -> str | None:
    """How `svc` waits for its dependencies by itself, or None: a wait wrapper or loop in
    its start command, in an entrypoint script present in the tree, or (for a database
    `target`) an image whose own entrypoint retries until its database answers."""
    memo = svc.facts_memo.get("waits_in_start")
    if memo is None:
        memo = svc.facts_memo["waits_in_start"] = ((), _waits_in_start(svc, root))
    if memo[1] is not None:
        return str(memo[1])
    row = image_facts(svc.image) if svc.image and svc.entrypoint is None else None
    if row is not None and row.waits_for_dependency and _is_database(target):
        return f"image '{svc.image}' waits for its database ({row.source('waits_for_dependency')})"
    return None


def _waits_in_start(svc: Service, root: Path | None) -> str | None:
    """A wait in the start command or in an entrypoint script it names (read once per
    service: memoised by `waits_itself`)."""
    text = start_text(svc)
    m = WAIT_RE.search(text)
    if m:
        return f"its start command waits ({m.group(0).strip()})"
    if root is not None and text:
        for rel, body in svc.start_scripts:  # read at load (loaders/disk_facts.py)
            m = WAIT_RE.search(body)
            if m:
                return f"{rel} waits ({m.group(0).strip()})"
    return None
