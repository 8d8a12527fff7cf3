"""Detect a service's language, framework, start command, port and health path from its
code. Reads only small text files near the top of SERVICE_DIR; never runs anything."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from infradoctor.syntax.jsondoc import loads_bounded

SKIP_DIRS = {
    ".git",
    "node_modules",
    ".venv",
    "venv",
    "__pycache__",
    "vendor",
    "target",
    "build",
    "dist",
    ".next",
    ".gradle",
    "k8s",
}
MAX_FILES = 400
MAX_BYTES = 256 * 1024
HEALTH_CANDIDATES = (
    "/healthz",
    "/health",
    "/api/health",
    "/health/live",
    "/livez",
    "/readyz",
    "/ready",
    "/ping",
    "/status",
)


class DetectError(Exception):
    """Nothing we know how to build (exit 2 with the message)."""


@dataclass(slots=True)
class Detected:
    language: str  # python | node | go | php | java
    framework: (
        str  # fastapi | flask | django | express | nest | next | gin | ... | spring-boot | php-fpm
    )
    name: str
    port: int
    health_path: str | None  # None: no HTTP health endpoint (php-fpm: TCP checks)
    command: list[str]  # exec-form CMD
    build: str = ""  # pip | poetry | npm | yarn | pnpm | go | composer | maven | gradle
    jvm: bool = False
    http: bool = True  # speaks HTTP (php-fpm speaks FastCGI)
    uid: int = 10001
    facts: list[str] = field(default_factory=list)  # how each value was found
    warnings: list[str] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)


def _files(root: Path, suffixes: tuple[str, ...]) -> list[Path]:
    out: list[Path] = []
    stack = [root]
    while stack and len(out) < MAX_FILES:
        d = stack.pop()
        try:
            entries = sorted(d.iterdir())
        except OSError:
            continue
        for p in entries:
            if p.is_symlink():
                continue
            if p.is_dir():
                if p.name not in SKIP_DIRS and not p.name.startswith("."):
                    stack.append(p)
            elif p.suffix in suffixes:
                out.append(p)
    return out


def _read(p: Path) -> str:
    try:
        with p.open("rb") as fh:
            return fh.read(MAX_BYTES).decode("utf-8", "replace")
    except OSError:
        return ""


def _slug(name: str) -> str:
    s = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
    return s[:50].strip("-") or "service"


def _find_health(texts: dict[Path, str], patterns: list[str]) -> tuple[str, Path] | None:
    """The first health-looking route literal in the code, preferring HEALTH_CANDIDATES order."""
    found: dict[str, Path] = {}
    for p, text in texts.items():
        for pat in patterns:
            for m in re.finditer(pat, text):
                path = "/" + m.group(1).strip("/")
                if m.group(1).endswith("/") and path != "/":
                    path += "/"
                found.setdefault(path, p)
    for cand in HEALTH_CANDIDATES:
        for path, p in found.items():
            if path.rstrip("/") == cand:
                return path, p
    for path, p in found.items():
        if "health" in path:
            return path, p
    return None


def _port_from(texts: dict[Path, str], patterns: list[str]) -> tuple[int, Path] | None:
    for p, text in texts.items():
        for pat in patterns:
            m = re.search(pat, text)
            if m:
                port = int(m.group(1))
                if 0 < port < 65536:
                    return port, p
    return None


def _rel(root: Path, p: Path) -> str:
    return p.relative_to(root).as_posix()


# ---------------------------------------------------------------- Python


def _python(root: Path, d: Detected) -> None:
    deps = ""
    for name in ("requirements.txt", "pyproject.toml", "Pipfile", "setup.py", "setup.cfg"):
        deps += _read(root / name).lower()
    d.build = "pip"
    if (root / "requirements.txt").exists():
        d.extra["install"] = "requirements"
    elif (root / "pyproject.toml").exists():
        d.extra["install"] = "project"
    else:
        d.extra["install"] = "none"
        d.warnings.append("no requirements.txt or pyproject.toml: dependencies not installed")
    texts = {p: _read(p) for p in _files(root, (".py",))}
    has = {
        k: re.search(rf"(^|[^a-z0-9_-]){k}([^a-z0-9_-]|$)", deps, re.M) is not None
        for k in ("fastapi", "flask", "django", "uvicorn", "gunicorn", "starlette")
    }
    if has["django"] or (root / "manage.py").exists():
        d.framework = "django"
        wsgi = next((p for p in texts if p.name == "wsgi.py"), None)
        module = _rel(root, wsgi)[:-3].replace("/", ".") if wsgi else "config.wsgi"
        d.command = ["gunicorn", f"{module}:application", "--bind", f"0.0.0.0:{d.port}"]
        d.command += [
            "--workers",
            "2",
            "--keep-alive",
            "75",
            "--timeout",
            "60",
            "--access-logfile",
            "-",
        ]
        if not has["gunicorn"]:
            d.warnings.append("gunicorn is not in the dependencies: add it (the CMD uses it)")
        route_pats = [r"path\(\s*['\"]([\w\-/]*health[\w\-/]*)['\"]"]
    else:
        ctor = "FastAPI" if has["fastapi"] or not has["flask"] else "Flask"
        d.framework = "fastapi" if ctor == "FastAPI" else "flask"
        app_re = re.compile(rf"^(\w+)\s*=\s*{ctor}\(", re.M)
        module, var = None, "app"
        for p, text in texts.items():
            m = app_re.search(text)
            if m:
                module, var = _rel(root, p)[:-3].replace("/", "."), m.group(1)
                d.facts.append(f"app object: {_rel(root, p)}: {m.group(0).strip()}")
                break
        if module is None:
            module = "main" if (root / "main.py").exists() else "app"
            d.warnings.append(f"no `= {ctor}(` found: assuming {module}:app")
        if module.endswith(".__init__"):
            module = module[: -len(".__init__")]
        target = f"{module}:{var}"
        if d.framework == "fastapi" or (has["uvicorn"] and not has["gunicorn"]):
            d.command = ["uvicorn", target, "--host", "0.0.0.0", "--port", str(d.port)]
            # keep idle connections longer than nginx's upstream keepalive (60s)
            d.command += ["--timeout-keep-alive", "75", "--proxy-headers"]
            if not has["uvicorn"]:
                d.warnings.append("uvicorn is not in the dependencies: add it (the CMD uses it)")
        else:
            d.command = ["gunicorn", target, "--bind", f"0.0.0.0:{d.port}", "--workers", "2"]
            d.command += ["--keep-alive", "75", "--timeout", "60", "--access-logfile", "-"]
            if not has["gunicorn"]:
                d.warnings.append("gunicorn is not in the dependencies: add it (the CMD uses it)")
        route_pats = [r"\.(?:get|route|api_route)\(\s*['\"](/[\w\-/]*)['\"]"]
    d.extra["texts"] = ""
    _health(root, d, texts, route_pats)
    d.extra["port_patterns"] = ""


def _health(root: Path, d: Detected, texts: dict[Path, str], pats: list[str]) -> None:
    if d.health_path is not None:
        return
    hit = _find_health(texts, pats)
    if hit:
        d.health_path = hit[0]
        d.facts.append(f"health path {hit[0]}: route in {_rel(root, hit[1])}")
    else:
        d.health_path = "/"
        d.warnings.append(
            "no health route found in the code: probing / (add one, or --health-path)"
        )


# ---------------------------------------------------------------- Node


def _node(root: Path, d: Detected) -> None:
    try:
        pkg = loads_bounded(_read(root / "package.json") or "{}")
    except ValueError:
        raise DetectError("package.json is not valid JSON") from None
    deps = {**(pkg.get("dependencies") or {}), **(pkg.get("devDependencies") or {})}
    if (root / "pnpm-lock.yaml").exists():
        d.build = "pnpm"
    elif (root / "yarn.lock").exists():
        d.build = "yarn"
    else:
        d.build = "npm"
    d.extra["lock"] = "package-lock.json" if (root / "package-lock.json").exists() else ""
    scripts = pkg.get("scripts") or {}
    d.extra["has_build"] = "1" if "build" in scripts else ""
    d.uid = 1000  # the node image's `node` user
    texts = {p: _read(p) for p in _files(root, (".js", ".ts", ".mjs", ".cjs", ".tsx", ".jsx"))}
    if "next" in deps:
        d.framework = "next"
        d.command = ["node_modules/.bin/next", "start", "-H", "0.0.0.0", "-p", str(d.port)]
        for p in texts:
            rel = _rel(root, p)
            m = re.match(
                r"(?:src/)?(?:app/(api/[\w\-/]*health[\w\-]*)/route|pages/(api/[\w\-/]*health[\w\-]*))\.\w+$",
                rel,
            )
            if m and d.health_path is None:
                d.health_path = "/" + (m.group(1) or m.group(2))
                d.facts.append(f"health path {d.health_path}: {rel}")
        if d.health_path is None:
            d.health_path = "/"
            d.warnings.append("no api/health route found: probing / (add one, or --health-path)")
        return
    if "@nestjs/core" in deps:
        d.framework = "nest"
        d.command = ["node", "dist/main.js"]
        pats = [
            r"@Get\(\s*['\"]([\w\-/]*health[\w\-/]*)['\"]",
            r"@Controller\(\s*['\"]([\w\-/]*health[\w\-/]*)['\"]",
        ]
    else:
        d.framework = (
            "express" if "express" in deps else ("fastify" if "fastify" in deps else "node")
        )
        main = pkg.get("main") or ""
        start = str(scripts.get("start") or "")
        m = re.match(r"node\s+(\S+\.(?:js|mjs|cjs))", start)
        entry = m.group(1) if m else main
        if not entry or not (root / entry).exists():
            entry = next(
                (
                    c
                    for c in ("server.js", "index.js", "app.js", "src/index.js", "src/server.js")
                    if (root / c).exists()
                ),
                entry or "index.js",
            )
        d.command = ["node", entry]
        d.facts.append(f"entry point: {entry}")
        pats = [r"\.(?:get|all|route)\(\s*['\"](/[\w\-/]*)['\"]"]
    _health(root, d, texts, pats)


# ---------------------------------------------------------------- Go


def _go(root: Path, d: Detected) -> None:
    gomod = _read(root / "go.mod")
    d.build = "go"
    m = re.search(r"^go\s+(\d+\.\d+)", gomod, re.M)
    d.extra["go_version"] = m.group(1) if m else "1.22"
    for fw in ("gin-gonic/gin", "labstack/echo", "gofiber/fiber", "go-chi/chi", "gorilla/mux"):
        if fw in gomod:
            d.framework = fw.split("/")[1]
            break
    else:
        d.framework = "net/http"
    texts = {p: _read(p) for p in _files(root, (".go",))}
    mains = [
        p for p, t in texts.items() if re.search(r"^package main\b", t, re.M) and "func main()" in t
    ]
    if not mains:
        raise DetectError("no `package main` with func main() found")
    pkg_dir = mains[0].parent
    d.extra["main_pkg"] = "./" + (_rel(root, pkg_dir) if pkg_dir != root else "")
    d.extra["main_pkg"] = d.extra["main_pkg"].rstrip("/") if d.extra["main_pkg"] != "./" else "."
    d.command = ["/usr/local/bin/app"]
    for text in texts.values():
        if re.search(r"['\"`](?:127\.0\.0\.1|localhost):\d+['\"`]", text):
            d.warnings.append("the code listens on 127.0.0.1/localhost somewhere: bind :PORT")
            break
    _health(root, d, texts, [r"(?:HandleFunc|Handle|GET|Get|HEAD|Any|Route)\(\s*\"(/[\w\-/]*)\""])


# ---------------------------------------------------------------- PHP


def _php(root: Path, d: Detected) -> None:
    d.build = "composer" if (root / "composer.json").exists() else ""
    composer = _read(root / "composer.json").lower()
    d.framework = "php-fpm"
    d.http = False
    d.uid = 82  # www-data in the Alpine php images
    if "laravel/framework" in composer:
        d.extra["app"] = "laravel"
    elif "symfony/framework-bundle" in composer:
        d.extra["app"] = "symfony"
    d.extra["docroot"] = "public" if (root / "public" / "index.php").exists() else ""
    d.command = ["php-fpm", "--nodaemonize"]
    d.health_path = None
    d.facts.append("php-fpm (FastCGI on 9000) behind nginx: health checks are TCP connects")


# ---------------------------------------------------------------- Java


def _spring_props(root: Path) -> dict[str, str]:
    props: dict[str, str] = {}
    res = root / "src" / "main" / "resources"
    text = _read(res / "application.properties")
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "!")) and ("=" in line or ":" in line):
            k, _, v = line.partition("=") if "=" in line else line.partition(":")
            props[k.strip()] = v.strip()
    for name in ("application.yml", "application.yaml"):
        ytext = _read(res / name)
        if not ytext:
            continue
        import yaml

        try:
            for doc in yaml.safe_load_all(ytext):
                if isinstance(doc, dict):
                    _flatten(doc, "", props)
        except yaml.YAMLError:
            pass
    return props


def _flatten(node: dict[object, object], prefix: str, out: dict[str, str]) -> None:
    for k, v in node.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            _flatten(v, key + ".", out)
        elif v is not None:
            out.setdefault(key, str(v))


def _java(root: Path, d: Detected) -> None:
    build = ""
    for name in ("pom.xml", "build.gradle", "build.gradle.kts"):
        build += _read(root / name)
    d.build = "maven" if (root / "pom.xml").exists() else "gradle"
    d.extra["wrapper"] = (
        "1" if (root / ("mvnw" if d.build == "maven" else "gradlew")).exists() else ""
    )
    if "spring-boot" not in build and "org.springframework.boot" not in build:
        raise DetectError("a Java project without Spring Boot: only Spring Boot is scaffolded")
    d.framework = "spring-boot"
    d.jvm = True
    m = re.search(
        r"<java\.version>(\d+)</java\.version>|languageVersion\s*=\s*JavaLanguageVersion\.of\((\d+)\)|sourceCompatibility\s*=\s*['\"]?(?:JavaVersion\.VERSION_)?(\d+)",
        build,
    )
    d.extra["java"] = next((g for g in (m.groups() if m else ()) if g), "21")
    props = _spring_props(root)
    port_value = props.get("server.port", "")
    pm = re.search(r"(\d{2,5})\}?$", port_value)
    if pm and d.extra.get("port_from_cli") != "1":
        d.port = int(pm.group(1))
        d.facts.append(f"port {d.port}: server.port in src/main/resources")
    actuator = "spring-boot-starter-actuator" in build
    if d.health_path is None:
        if actuator:
            base = props.get("management.endpoints.web.base-path", "/actuator").rstrip("/")
            d.health_path = f"{base}/health"
            d.facts.append("health path: spring-boot-starter-actuator")
            mport = props.get("management.server.port", "")
            if mport.isdigit() and int(mport) != d.port:
                d.extra["mgmt_port"] = mport
                d.facts.append(f"actuator on management.server.port {mport}")
        else:
            d.health_path = "/"
            d.warnings.append("no spring-boot-starter-actuator: probing / (add actuator)")
    d.command = [
        "java",
        "-jar",
        "/app/app.jar",
        "--server.address=0.0.0.0",
        f"--server.port={d.port}",
    ]


DEFAULT_PORTS = {"python": 8000, "node": 3000, "go": 8080, "php": 9000, "java": 8080}


def detect(
    root: Path, port: int | None = None, health_path: str | None = None, name: str | None = None
) -> Detected:
    if not root.is_dir():
        raise DetectError(f"{root}: not a directory")
    if (
        (root / "pom.xml").exists()
        or (root / "build.gradle").exists()
        or (root / "build.gradle.kts").exists()
    ):
        language = "java"
    elif (root / "go.mod").exists():
        language = "go"
    elif (root / "package.json").exists():
        language = "node"
    elif (
        (root / "composer.json").exists()
        or (root / "index.php").exists()
        or (root / "public" / "index.php").exists()
    ):
        language = "php"
    elif any(
        (root / f).exists()
        for f in ("requirements.txt", "pyproject.toml", "Pipfile", "setup.py", "manage.py")
    ) or list(root.glob("*.py")):
        language = "python"
    else:
        raise DetectError(
            f"{root}: no pom.xml/build.gradle, go.mod, package.json, composer.json or Python project found"
        )
    d = Detected(
        language=language,
        framework="",
        name=_slug(name or root.resolve().name),
        port=port or DEFAULT_PORTS[language],
        health_path=health_path,
        command=[],
    )
    if port:
        d.extra["port_from_cli"] = "1"
        d.facts.append(f"port {port}: --port")
    elif language in ("python", "node", "go"):
        texts = {p: _read(p) for p in _files(root, (".py", ".js", ".ts", ".mjs", ".go"))}
        pats = [
            r"(?:port\s*=|--port[ =]|\bPORT\b[^\n]{0,20}?(?:\|\||or|,|:-)\s*['\"]?)\s*(\d{4,5})\b",
            r"\.listen\(\s*(\d{4,5})\b",
            r"['\"`]:(\d{4,5})['\"`]",
            r"0\.0\.0\.0:(\d{4,5})",
        ]
        hit = _port_from(texts, pats)
        if hit:
            d.port = hit[0]
            d.facts.append(f"port {hit[0]}: {_rel(root, hit[1])}")
    if health_path:
        d.facts.append(f"health path {health_path}: --health-path")
    {"python": _python, "node": _node, "go": _go, "php": _php, "java": _java}[language](root, d)
    d.extra.pop("texts", None)
    d.extra.pop("port_patterns", None)
    if language == "php" and port:
        d.warnings.append("php-fpm listens on 9000 (the image's pool config): --port ignored")
        d.port = 9000
    return d
