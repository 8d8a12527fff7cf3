"""XF013: nginx writes log files into a bind-mounted host directory nobody rotates."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from typing import Any

from infradoctor.facts.listen import is_web_server_service
from infradoctor.findings import Finding, Severity, subject_dict
from infradoctor.model.nginx import NginxConfig
from infradoctor.model.stack import Project, Service, Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule

BAD = """\
services:
  nginx:
    image: nginx:1.27
    ports: ["80:80"]
    volumes:
      - ./nginx/default.conf:/etc/nginx/conf.d/default.conf:ro
      - ./nginx/logs:/var/log/nginx
"""

CONF = """\
server {
    listen 80;
    location / {
        root /usr/share/nginx/html;
    }
}
"""

LOGROTATE = """\
/srv/app/nginx/logs/*.log {
    daily
    rotate 14
    compress
    missingok
    notifempty
    sharedscripts
    postrotate
        docker compose -f /srv/app/docker-compose.yml exec nginx nginx -s reopen
    endscript
}
"""

NON_FILE_PREFIXES = (
    "/dev/stdout",
    "/dev/stderr",
    "/proc/self/fd/",
    "syslog:",
    "off",
    "memory:",
    "stderr",
)
DEFAULT_LOG_DIR = "/var/log/nginx"
# The two files the official image symlinks to stdout/stderr (no other file is a symlink).
DEFAULT_LOG_FILES = ("/var/log/nginx/access.log", "/var/log/nginx/error.log")
SKIP_DIRS = frozenset(
    {
        ".git",
        "node_modules",
        ".venv",
        "venv",
        "__pycache__",
        "vendor",
        ".tox",
        "dist",
        "build",
        "target",
    }
)


def _logrotate_in_tree(stack: Stack) -> bool:
    """A logrotate config anywhere in the scanned tree (discovery records files named
    *logrotate* or living in a logrotate directory)."""
    return bool(stack.logrotate)


def _log_paths(configs: list[NginxConfig]) -> tuple[list[str], bool]:
    """(files nginx writes logs to, whether any access_log is explicitly off or sent to
    stdout/syslog)."""
    files: list[str] = []
    redirected = False
    for cfg in configs:
        for d in cfg.walk():
            if d.name not in ("access_log", "error_log") or not d.args:
                continue
            dest = d.args[0]
            if dest.startswith(NON_FILE_PREFIXES):
                if d.name == "access_log":
                    redirected = True
                continue
            if dest.startswith("/") and "$" not in posixpath.dirname(dest):
                files.append(posixpath.normpath(dest))
    return list(dict.fromkeys(files)), redirected


def _covers(mount_target: str, log_dir: str) -> bool:
    m = mount_target.rstrip("/") or "/"
    return log_dir == m or log_dir.startswith(m + "/")


@record(frozen=True, kw_only=True)
class BoundLogs:
    """The nginx service, the bind-mounted log directory and the files written there."""

    project: str | None = None
    service: str | None = None
    host_path: str | None = None
    target: str | None = None
    log_dir: str | None = None
    log_files: list[str] | None = None
    config: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return subject_dict(self)


class NginxLogsBindMountedWithoutRotation(Rule):
    code = "XF013"
    name = "nginx-logs-bind-mounted-without-rotation"
    title = "nginx log files go to a bind-mounted host directory with no rotation"
    severity = Severity.WARNING
    category = "logging"
    why = (
        "The official nginx image symlinks /var/log/nginx/access.log and error.log to "
        "stdout/stderr. Bind-mounting a host directory over /var/log/nginx hides those "
        "symlinks: nginx writes real files that grow forever, outside Docker's log "
        "rotation. When the disk fills, nginx can no longer write its proxy temp files and "
        "answers 502 (`open() ... failed (28: No space left on device)`), the database "
        "stops accepting writes and the host becomes unmanageable."
    )
    how_to_fix = (
        "Either drop the log mount (keep the stdout symlinks and limit the json-file "
        "driver with max-size/max-file), or rotate the files on the host: a logrotate "
        "entry for the directory with `postrotate ... nginx -s reopen` (`infradoctor fix "
        "--write-logrotate` writes one), or `copytruncate`."
    )
    references = (
        "https://github.com/nginxinc/docker-nginx/blob/master/mainline/debian/Dockerfile",
        "https://nginx.org/en/docs/control.html#logs",
    )
    examples = (
        Example(
            bad={"docker-compose.yml": BAD, "nginx/default.conf": CONF},
            good={
                "docker-compose.yml": BAD,
                "nginx/default.conf": CONF,
                "deploy/logrotate/nginx": LOGROTATE,
            },
            description="logs on the host, nothing rotates them",
        ),
        Example(
            bad={"docker-compose.yml": BAD, "nginx/default.conf": CONF},
            good={
                "docker-compose.yml": BAD.replace("      - ./nginx/logs:/var/log/nginx\n", ""),
                "nginx/default.conf": CONF,
            },
            description="no log mount: logs stay on stdout",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        rotated: bool | None = None
        for project in stack.projects:
            # each config under the service that runs it, once per project
            carried: dict[str | None, list[NginxConfig]] = {}
            for c in project.nginx:
                carried.setdefault(project.nginx_service.get(c.root_file), []).append(c)
            for svc in project.services.values():
                carries = carried.get(svc.name, [])
                for finding in self._check_service(stack, project, svc, carries):
                    if rotated is None:
                        rotated = _logrotate_in_tree(stack) or any(
                            "logrotate" in s.image_name for s in stack.services
                        )
                    if rotated:
                        return
                    yield finding

    def _check_service(
        self, stack: Stack, project: Project, svc: Service, carries: list[NginxConfig]
    ) -> Iterator[Finding]:
        """`carries`: the project's configs that `svc` runs."""
        if not carries and not is_web_server_service(svc):
            return
        # A Docker log driver (json-file max-size, ...) only rotates what nginx sends to
        # stdout/stderr: it never touches files, so `logging:` does not matter here.
        files, redirected = _log_paths(carries)
        if redirected and not files:
            return
        # The image's access.log/error.log symlinks to stdout/stderr live in the image's
        # /var/log/nginx: a bind mount over it hides them, so those become files as well.
        log_files = list(dict.fromkeys([*DEFAULT_LOG_FILES, *files]))
        log_dirs = list(dict.fromkeys(posixpath.dirname(f) for f in log_files))
        for m in svc.volumes:
            if m.type != "bind" or not m.target or m.read_only:
                continue
            hit = next((d for d in log_dirs if _covers(m.target, d)), None)
            if hit is None:
                continue
            written = [f for f in log_files if _covers(m.target, posixpath.dirname(f))]
            shown = [f for f in written if f not in DEFAULT_LOG_FILES] or written
            yield self.finding(
                m.location,
                f"'{svc.name}' writes nginx log files ({', '.join(shown)}) to the host "
                f"directory '{m.source}' and nothing in the tree rotates them (no logrotate "
                "config; a Docker log driver only rotates stdout/stderr, never files): the "
                "disk fills up",
                subject=svc.name,
                detail=BoundLogs(
                    project=project.name,
                    service=svc.name,
                    host_path=m.source,
                    target=m.target,
                    log_dir=hit,
                    log_files=written,
                    config=carries[0].root_file if carries else None,
                ),
            )
