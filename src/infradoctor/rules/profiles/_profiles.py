"""Compose profiles as compose runs them: which services start for a profile, which
profiles are production-like or dev-only, which env files feed interpolation for a
profile, and the `${VAR...}` references of each compose file with their line and service.

`docker compose --profile P up` starts the services without `profiles:` plus those listing
P. The loader keeps every service (a linter checks them all) with its `profiles`, so the
set for each profile is computed here from the model."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from infradoctor.facts.env import SAMPLE_NAMES as SAMPLE_NAMES  # re-exported
from infradoctor.facts.varrefs import VarRef as VarRef  # re-exported
from infradoctor.facts.varrefs import file_var_refs
from infradoctor.model.stack import EnvFile, Project, Service, Stack

PROD_PROFILES = ("prod", "production", "stage", "staging")
DEV_PROFILES = ("dev", "develop", "development", "local", "debug", "test", "testing", "ci")


def norm(name: str) -> str:
    return name.strip().lower()


def is_prod(profile: str, names: Iterable[str] = PROD_PROFILES) -> bool:
    return norm(profile) in {norm(n) for n in names}


def is_dev(profile: str, names: Iterable[str] = DEV_PROFILES) -> bool:
    p = norm(profile)
    return p in {norm(n) for n in names} or p.startswith(("dev-", "dev_")) or p.endswith("-dev")


def dev_only(service: Service) -> bool:
    """The service runs only under dev profiles (a local mail catcher, adminer...)."""
    return bool(service.profiles) and all(is_dev(p) for p in service.profiles)


def runs_in(service: Service, profile: str | None) -> bool:
    """Does `docker compose [--profile profile] up` start the service?"""
    return not service.profiles or (profile is not None and profile in service.profiles)


def project_profiles(project: Project) -> list[str]:
    seen: list[str] = []
    for svc in project.services.values():
        for p in svc.profiles:
            if p not in seen:
                seen.append(p)
    return seen


def selected_profiles(stack: Stack, project: Project) -> list[str]:
    """The named profiles to evaluate: `--profile` when given, else every profile."""
    names = project_profiles(project)
    if stack.profiles:
        return [p for p in names if p in stack.profiles] or list(stack.profiles)
    return names


def env_profiles(stack: Stack, project: Project) -> list[str]:
    """Profiles to evaluate for env files: the selected ones plus every `.env.<name>` next
    to the compose file (a team with `.env.stage` runs `--env-file .env.stage`)."""
    names = selected_profiles(stack, project)
    for fname in project.dotenv_names:  # listed at load
        if fname in SAMPLE_NAMES:
            continue
        name = fname[len(".env.") :]
        if not name or name in ("sample", "example", "dist", "template", "local", "bak"):
            continue
        if stack.profiles and name not in stack.profiles:
            continue
        if name not in names:
            names.append(name)
    return names


def prod_profiles(stack: Stack, project: Project, names: Iterable[str]) -> list[str]:
    names = list(names)
    return [p for p in selected_profiles(stack, project) if is_prod(p, names)]


def services_in(project: Project, profile: str | None) -> list[Service]:
    return [s for s in project.services.values() if runs_in(s, profile)]


# ---------------------------------------------------------------- env files


EnvSource = EnvFile  # the model's parsed dotenv file (read by the loader)


def read_env(project: Project, name: str) -> EnvSource | None:
    """A dotenv file next to the compose file, as the loader read it. None when absent."""
    return project.env_files.get(name)


def profile_env(stack: Stack, project: Project, profile: str | None) -> EnvSource | None:
    """The env file compose interpolates from for this profile: `.env.<profile>` next to
    the compose file when it exists (run with `--env-file .env.<profile>`), else `.env`."""
    if profile:
        for name in (f".env.{profile}", f"{profile}.env"):
            found = read_env(project, name)
            if found is not None:
                return found
    return read_env(project, ".env")


def sample_env(stack: Stack, project: Project) -> EnvSource | None:
    for name in SAMPLE_NAMES:
        found = read_env(project, name)
        if found is not None:
            return found
    return None


# ---------------------------------------------------------------- ${VAR} references


def var_refs(stack: Stack, project: Project) -> Iterator[VarRef]:
    """Every `${VAR...}` / `$VAR` in the project's compose files, with the service whose
    block holds it (by the service keys' lines). Each file is scanned once per lint, not
    once per variant project that reads it (facts/varrefs.py)."""
    by_file: dict[str, list[tuple[int, int, str]]] = {}
    for svc in project.services.values():
        by_file.setdefault(svc.location.file, []).append(
            (svc.location.line, svc.location.column, svc.name)
        )
    for file in project.compose_files:
        src = stack.files.get(file)
        if src is None or not src.text or "$" not in src.text:
            continue
        yield from file_var_refs(src, tuple(sorted(by_file.get(file, []))))


# ---------------------------------------------------------------- images

ADMIN_UIS: tuple[tuple[str, str], ...] = (
    ("prometheus", "Prometheus"),
    ("grafana", "Grafana"),
    ("alertmanager", "Alertmanager"),
    ("kibana", "Kibana"),
    ("jaeger", "Jaeger"),
    ("zipkin", "Zipkin"),
    ("pgadmin", "pgAdmin"),
    ("adminer", "Adminer"),
    ("phpmyadmin", "phpMyAdmin"),
    ("redis-commander", "Redis Commander"),
    ("redisinsight", "RedisInsight"),
    ("mongo-express", "mongo-express"),
    ("mailhog", "MailHog"),
    ("mailpit", "Mailpit"),
    ("mailcatcher", "MailCatcher"),
    ("maildev", "MailDev"),
    ("portainer", "Portainer"),
    ("kafka-ui", "Kafka UI"),
    ("akhq", "AKHQ"),
    ("rabbitmq:management", "RabbitMQ management"),
    ("cadvisor", "cAdvisor"),
    ("loki", "Loki"),
    ("tempo", "Tempo"),
    ("netdata", "Netdata"),
    ("dozzle", "Dozzle"),
    ("uptime-kuma", "Uptime Kuma"),
)


def image_repo(image: str) -> str:
    """`prom/prometheus:v2` -> `prometheus`; `grafana/grafana-oss` -> `grafana-oss`."""
    ref = image.lower().split("@", 1)[0]
    last = ref.rsplit("/", 1)[-1]
    return last


def admin_ui(service: Service) -> str | None:
    """The observability/admin UI the service runs (by image), or None."""
    image = (service.image or "").lower()
    if not image:
        return None
    repo = image_repo(image)
    name = repo.split(":", 1)[0]
    for key, label in ADMIN_UIS:
        if ":" in key:
            if repo.startswith(key.split(":")[0]) and key.split(":")[1] in repo:
                return label
            continue
        if name == key or name.startswith(key + "-") or name.startswith(key + "_"):
            return label
        if key == "grafana" and name in ("grafana-oss", "grafana-enterprise"):
            return label
        if key == "jaeger" and name.startswith("all-in-one") and "jaeger" in image:
            return label
    return None


def dev_scope(service: Service) -> dict[str, object]:
    """Keyword arguments for `Rule.finding` that hold a dev-only service to dev rules:
    info severity, and the profile named (empty for every other service)."""
    if not dev_only(service):
        return {}
    from infradoctor.findings import Severity

    return {"severity": Severity.INFO, "profile": ", ".join(service.profiles)}
