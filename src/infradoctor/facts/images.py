"""Image references and Dockerfile stage chains: shared by the Dockerfile rules and the
security rules that reason about what an image contains or which user it runs as."""

from __future__ import annotations

import functools
import re

from infradoctor.facts.dockerfile import stage_chain
from infradoctor.facts.image_table import ImageFacts, lookup_path
from infradoctor.lazyre import lazy
from infradoctor.model.stack import Dockerfile, Instruction, Service, Stack, Stage
from infradoctor.records import record
from infradoctor.syntax.numbers import digits_value

VAR_RE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}?")


@record(frozen=True, hot=True)
class ImageRef:
    """`registry/path:tag@digest` split up. `path` has no registry and no `library/`."""

    registry: str | None
    path: str
    tag: str | None
    digest: str | None

    @property
    def last(self) -> str:
        """The repository's last path component (`bitnami/postgresql` -> `postgresql`)."""
        return self.path.rsplit("/", 1)[-1]

    @property
    def unpinned(self) -> bool:
        """No digest and no tag, or the moving `latest` tag."""
        return self.digest is None and (self.tag is None or self.tag == "latest")


@functools.lru_cache(maxsize=4096)  # ~4,000 calls per corpus lint, few distinct images
def parse_image(ref: str) -> ImageRef:
    ref = ref.strip().lower()
    digest = None
    if "@" in ref:
        ref, digest = ref.split("@", 1)
    tag = None
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    if colon > slash:
        ref, tag = ref[:colon], ref[colon + 1 :]
    registry = None
    if "/" in ref:
        first, rest = ref.split("/", 1)
        if "." in first or ":" in first or first == "localhost":
            registry, ref = first, rest
    if ref.startswith("library/"):
        ref = ref[len("library/") :]
    return ImageRef(registry, ref, tag or None, digest)


# Docker Official Images (and a few ubiquitous ones) pulled by bare name. An untagged
# single-word FROM that is not one of these (`FROM base`, `FROM deps`) is almost always a
# named build context (docker buildx bake `contexts`, `--build-context`) or a local image.
OFFICIAL_IMAGES = frozenset(
    {
        "alpine",
        "amazoncorretto",
        "amazonlinux",
        "busybox",
        "caddy",
        "centos",
        "clojure",
        "composer",
        "debian",
        "docker",
        "eclipse-temurin",
        "elixir",
        "erlang",
        "fedora",
        "gcc",
        "golang",
        "gradle",
        "haproxy",
        "haskell",
        "httpd",
        "ibmjava",
        "jetty",
        "jruby",
        "julia",
        "kibana",
        "maven",
        "mariadb",
        "memcached",
        "mongo",
        "mysql",
        "neo4j",
        "nginx",
        "node",
        "openjdk",
        "oraclelinux",
        "perl",
        "php",
        "postgres",
        "pypy",
        "python",
        "rabbitmq",
        "redis",
        "rockylinux",
        "ruby",
        "rust",
        "sapmachine",
        "swift",
        "tomcat",
        "traefik",
        "ubuntu",
        "almalinux",
        "archlinux",
        "bash",
        "buildpack-deps",
        "couchdb",
        "elasticsearch",
        "ghost",
        "groovy",
        "influxdb",
        "logstash",
        "mongo-express",
        "nextcloud",
        "odoo",
        "photon",
        "solr",
        "sonarqube",
        "telegraf",
        "wordpress",
        "zookeeper",
        "cassandra",
        "consul",
        "vault",
        "registry",
        "adminer",
        "matomo",
        "drupal",
        "joomla",
        "kong",
        "rethinkdb",
        "percona",
        "flink",
        "spark",
        "storm",
        "tomee",
        "dart",
        "r-base",
        "xwiki",
    }
)


def is_build_context_name(image: str) -> bool:
    """`FROM base` where `base` is not a Docker Official Image: a bake/--build-context name."""
    ref = image.strip().lower()
    return (
        "/" not in ref
        and ":" not in ref
        and "@" not in ref
        and "$" not in ref
        and ref not in OFFICIAL_IMAGES
        and ref != "scratch"
    )


def substitute_args(text: str, args: dict[str, str | None]) -> str | None:
    """Expand `${VAR}` / `$VAR` / `${VAR:-default}` with ARG defaults; None if a variable
    has no known value."""
    unresolved = False

    def repl(m: re.Match[str]) -> str:
        nonlocal unresolved
        value = args.get(m.group(1))
        if value is None:
            value = m.group(2)
        if value is None:
            unresolved = True
            return ""
        return value

    out = VAR_RE.sub(repl, text)
    return None if unresolved else out


def external_base(df: Dockerfile, stage: Stage | None = None) -> str | None:
    """The registry image at the root of the final stage's chain, ARGs expanded
    (None when it depends on an ARG without default)."""
    chain = stage_chain(df, stage=stage)
    if not chain:
        return None
    return substitute_args(chain[-1].base_image, df.args)


def effective_user(df: Dockerfile) -> Instruction | None:
    """The USER in effect at the end of the final stage, following `FROM <stage>`."""
    for st in stage_chain(df):
        user = st.last("USER")
        if user is not None:
            return user
    return None


def is_root_user(user: str) -> bool:
    name = str(user).strip().strip("'\"").split(":", 1)[0].strip()
    return name in ("root", "0")


def image_drops_root(image: str) -> bool:
    """Images that run their process as a non-root user by themselves (the table's
    `user` is "drops" or "non-root", or a nonroot/rootless/chiseled tag)."""
    ref = parse_image(image)
    if ref.tag and any(w in ref.tag for w in ("nonroot", "rootless", "chiseled")):
        return True
    if ref.registry in ("cgr.dev", "gcr.io") and (
        "distroless" in ref.path or ref.path.startswith("chainguard")
    ):
        return bool(ref.tag and "nonroot" in ref.tag) or ref.registry == "cgr.dev"
    # `mcr.microsoft.com/oss/bitnami/redis`: mirrors keep the upstream path at the end
    row = lookup_path(ref.path)
    return row is not None and row.drops_root


# ------------------------------------------------------------- tags that move

FLOATING = frozenset(
    {"main", "master", "develop", "dev", "stable", "edge", "nightly", "canary", "beta"}
    | {"alpha", "next", "head", "trunk", "current", "lts", "release", "snapshot", "unstable"}
)
# `7`, `7.2`, `v3`, `21-jre`, `16-alpine`: a major or minor line that follows releases
MOVING_VERSION = lazy(r"^v?\d+(\.\d+)?(-[a-z][a-z0-9.]*)?$")


def moving_tag(image: str) -> str | None:
    """The tag when it is one that is re-pushed (a branch, a major line); latest and
    untagged images are K8S008's."""
    if "$" in image or "{" in image:
        return None
    ref = parse_image(image)
    if ref.digest is not None or ref.tag is None:
        return None
    if ref.tag in FLOATING or MOVING_VERSION.match(ref.tag):
        return ref.tag
    return None


def image_facts(image: str, mirrors: bool = True) -> ImageFacts | None:
    """The curated table's row for `image` (data/images.toml), None if not listed.
    Without `mirrors` only the repository itself counts (`acme/postgres` is not
    postgres: what it adds on top is unknown)."""
    if unresolved_image(image):
        return None
    return lookup_path(parse_image(image).path, mirrors)


def unresolved_image(image: str) -> bool:
    """`image: ${REGISTRY}/app:${TAG}` with the variables unset: nothing to judge."""
    ref = image.strip()
    return not ref or ref.endswith(":") or ref.startswith((":", "/")) or "//" in ref or "$" in ref


# ------------------------------------------------------------- what tools an image ships

ALPINE_FAMILY = frozenset(
    {
        "alpine",
        "python",
        "node",
        "ruby",
        "golang",
        "php",
        "postgres",
        "redis",
        "rust",
        "eclipse-temurin",
        "amazoncorretto",
        "memcached",
        "oven/bun",
        "openjdk",
    }
)
SLIM_FAMILY = frozenset({"python", "node", "ruby", "debian", "rust", "openjdk", "php"})
FULL_WITH_BOTH = frozenset(
    {"python", "node", "ruby", "golang", "buildpack-deps", "rust", "gradle", "maven"}
)
BARE_DISTROS = frozenset({"debian", "ubuntu"})


def image_tools(image: str) -> dict[str, bool] | None:
    """Whether `image` ships curl / wget / a shell, for images we know; None if unknown.
    Alpine has wget (busybox) but not curl; slim Debian images and bare debian/ubuntu have
    neither; distroless and scratch have no shell at all."""
    if image.strip().lower() == "scratch":
        return {"curl": False, "wget": False, "sh": False}
    ref = parse_image(image)
    tag = ref.tag or "latest"
    if ref.registry == "gcr.io" and "distroless" in ref.path:
        return {"curl": False, "wget": False, "sh": "debug" in tag}
    if ref.registry == "cgr.dev":
        dev = tag.endswith("-dev") or tag == "latest-dev"
        return {"curl": False, "wget": dev, "sh": dev}
    if ref.path == "alpine" or ("alpine" in tag and ref.path in ALPINE_FAMILY):
        return {"curl": False, "wget": True, "sh": True}
    if "slim" in tag and ref.path in SLIM_FAMILY:
        return {"curl": False, "wget": False, "sh": True}
    if ref.path in BARE_DISTROS:
        return {"curl": False, "wget": False, "sh": True}
    if ref.path in FULL_WITH_BOTH and not any(w in tag for w in ("alpine", "slim", "windows")):
        return {"curl": True, "wget": True, "sh": True}
    return None


INSTALL_RE = lazy(
    r"\b(apk\s+add|apt-get\s+install|apt\s+install|yum\s+install|dnf\s+install|"
    r"microdnf\s+install|zypper\s+(in|install)|pip\s+install)\b[^;&|]*",
    re.IGNORECASE,
)


# Linear-time pieces (a RUN line can be megabytes): no unbounded `\S*` before a literal
# and no scan-to-separator per occurrence, which made one 60 KB line take minutes.
_OPAQUE_TOOL_RE = lazy(
    r"xargs\s++(?:apt-get|apk|yum)|\|\s*+(?:ba)?sh\b|ansible|puppet|chef-solo", re.IGNORECASE
)
_SCRIPT_WORD_RE = lazy(r"(?:install|setup|bootstrap|provision)", re.IGNORECASE)
_PATH_PART_RE = lazy(r"[\w.-]+")
_COMMAND_SEPARATORS_RE = lazy(r"[;&|]")


def runs_opaque_install(command: str) -> bool:
    """`command` runs an install script we cannot see: a path whose last part names an
    install/setup script (`scripts/setup/install.sh`), `xargs apt-get`, `curl ... | sh`,
    `install ... $(cat list)`, a configuration tool."""
    if _OPAQUE_TOOL_RE.search(command):
        return True
    for word in command.split():
        slash = word.rfind("/")
        if slash >= 0:
            last = word[slash + 1 :]
            if _PATH_PART_RE.fullmatch(last) and _SCRIPT_WORD_RE.search(last):
                return True
    lower = command.lower()
    if "install" in lower and "$(cat" in lower:
        for part in _COMMAND_SEPARATORS_RE.split(lower):
            at = part.find("install")
            if at >= 0 and "$(cat" in part[at:]:
                return True
    return False


def installs_unknown_packages(stages: list[Stage]) -> bool:
    """A RUN runs an install script we cannot see (`scripts/setup/install`, `curl ... | sh`,
    a package list from a file): what the image contains is then unknown."""
    return any(
        ins.keyword == "RUN" and runs_opaque_install(ins.value)
        for st in stages
        for ins in st.instructions
    )


def installs_tool(stages: list[Stage], tool: str) -> bool:
    """A RUN installs `tool` with a package manager, or a COPY/ADD brings a binary of that
    name, in any of `stages`."""
    word = re.compile(rf"(^|[\s/=]){re.escape(tool)}(\s|$|[=<>~])")
    for st in stages:
        for ins in st.instructions:
            if ins.keyword == "RUN":
                for m in INSTALL_RE.finditer(ins.value):
                    if word.search(m.group(0)):
                        return True
                if re.search(rf"busybox\s+--install|/usr/bin/{re.escape(tool)}\b", ins.value):
                    return True
            elif ins.keyword in ("COPY", "ADD") and re.search(rf"\b{re.escape(tool)}\b", ins.value):
                return True
    return False


def services_building(stack: Stack, df: Dockerfile) -> list[Service]:
    """Compose services built from this Dockerfile (linked by the loader)."""
    return stack.index.services_building(df)


def chain_last(df: Dockerfile, keyword: str) -> Instruction | None:
    """The last `keyword` instruction in effect for the final stage, following FROM <stage>."""
    for st in stage_chain(df):
        ins = st.last(keyword)
        if ins is not None:
            return ins
    return None


# ------------------------------------------------------------- ports in a start command

PORT_PATTERNS = (
    re.compile(
        r"(?<![\w-])--(?:port|http-port|server\.port|listen-port)(?:=|\s+)['\"]?"
        r"(\d{2,5})\b"
    ),
    re.compile(
        r"(?<![\w-])(?:-b|--bind|--listen|--address|--addr|--http)(?:=|\s+)['\"]?"
        r"(?:(?:tcp|http)://)?(?:[\w.\-]*|\[[0-9a-f:]*\])?:(\d{2,5})\b",
        re.IGNORECASE,
    ),
    re.compile(r"-Dserver\.port=(\d{2,5})\b"),
    re.compile(r"\brunserver\s+(?:[\w.\-]+:)?(\d{2,5})\b"),
    re.compile(r"\bphp\s+-S\s+[\w.\-]*:(\d{2,5})\b"),
    re.compile(r"\bhttp\.server\s+(\d{2,5})\b"),
    re.compile(
        r"\b(?:flask\s+run|next\s+(?:start|dev)|rails\s+s(?:erver)?|puma|serve|"
        r"http-server|streamlit\s+run\s+\S+)\b[^;&|]*?(?<![\w-])(?:-p|-l)\s+(\d{2,5})\b"
    ),
)


def command_ports(text: str) -> list[int]:
    """Ports a start command binds (`gunicorn -b 0.0.0.0:8000`, `uvicorn --port 8080`,
    `java -Dserver.port=9090`, `manage.py runserver 0.0.0.0:8000`, ...)."""
    ports: list[int] = []
    for pattern in PORT_PATTERNS:
        for m in pattern.finditer(text):
            port = digits_value(m.group(1)) or 0
            if 0 < port < 65536 and port not in ports:
                ports.append(port)
    return ports


TOOL_WORD_RE = lazy(
    r"(?:^|[\s;&|(`'\"])(?:/usr/bin/|/bin/|/usr/local/bin/)?(curl|wget)"
    r"(?=\s|$|['\"])"
)


def tools_called(command: str) -> list[str]:
    return sorted({m.group(1) for m in TOOL_WORD_RE.finditer(command)})


def missing_tools(
    tools_in_image: dict[str, bool], df: Dockerfile | None, command: str, shell_form: bool
) -> list[str]:
    chain = stage_chain(df) if df is not None else []
    if installs_unknown_packages(chain):
        return []
    missing = [
        t
        for t in tools_called(command)
        if not tools_in_image.get(t, True) and not installs_tool(chain, t)
    ]
    if shell_form and not tools_in_image.get("sh", True) and not installs_tool(chain, "sh"):
        missing.append("/bin/sh")
    return missing
