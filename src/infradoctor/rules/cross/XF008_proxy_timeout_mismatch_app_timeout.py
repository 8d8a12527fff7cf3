"""XF008: nginx's read timeout and the app server's own timeouts disagree."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from typing import Any

from infradoctor.facts.listen import (
    Args,
    command_tokens,
    expand,
    segments,
    server_word,
    service_env,
    split_shell,
)
from infradoctor.findings import Finding, Severity, subject_dict
from infradoctor.lazyre import lazy
from infradoctor.model.nginx import ProxyRoute
from infradoctor.model.source import Location
from infradoctor.model.stack import Service, Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.cross._common import (
    fmt_seconds,
    nginx_seconds,
    project_targets,
    unknown_include_in_scope,
    unresolved_includes,
)
from infradoctor.syntax.numbers import finite_number

NGINX_DEFAULT_READ = 60.0
NGINX_DEFAULT_UPSTREAM_KEEPALIVE = 60.0
HEALTH_PATH_RE = lazy(r"(health|ping|ready|readiness|liveness|live|status|metrics)", re.I)
SYNC_WORKERS = frozenset({"sync", "gunicorn.workers.sync.SyncWorker"})

COMPOSE = """\
services:
  nginx:
    image: nginx:1.27
    ports: ["80:80"]
    volumes:
      - ./nginx/default.conf:/etc/nginx/conf.d/default.conf:ro
  api:
    image: example/api:1.4
    command: gunicorn --bind 0.0.0.0:8000 --timeout 120 app:app
"""

CONF = """\
server {
    listen 80;
    location / {
        proxy_pass http://api:8000;
        proxy_connect_timeout 5s;
        proxy_read_timeout 60s;
    }
}
"""

KEEPALIVE_COMPOSE = """\
services:
  nginx:
    image: nginx:1.27
    ports: ["80:80"]
    volumes:
      - ./nginx/default.conf:/etc/nginx/conf.d/default.conf:ro
  api:
    image: example/api:1.4
    command: uvicorn app.main:app --host 0.0.0.0 --port 8000
"""

KEEPALIVE_CONF = """\
upstream api {
    server api:8000;
    keepalive 16;
}

server {
    listen 80;
    location / {
        proxy_pass http://api;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
    }
}
"""


@record
class AppTimeouts:
    server: str
    request: float | None = None  # the app aborts a request after this long
    request_explicit: bool = False
    request_desc: str = ""
    request_enforced: bool = True  # False: a budget the app declares but doesn't enforce
    idle: float | None = None  # the app closes idle keep-alive connections after this
    idle_explicit: bool = False
    idle_desc: str = ""
    location: Location | None = None


def _num(text: str | None) -> float | None:
    """A finite number of seconds (never inf/NaN, which would break every comparison)."""
    return finite_number(text)


def _unreadable(args: Args, *names: str) -> bool:
    """The option is given a value that is not a number (`--timeout inf`, `nan`)."""
    value = args.value(*names)
    return value is not None and _num(value) is None


def app_timeouts(service: Service) -> AppTimeouts | None:
    """Timeouts that interact with nginx, read from the app server's command line.

    - gunicorn `--timeout` (default 30 s) kills a *sync* worker that is busy longer: the
      request dies with the worker (502 at nginx). For async/threaded workers it is only a
      heartbeat and does not bound a request. `--keep-alive` (default 2 s, not for sync
      workers) is how long an idle connection stays open.
    - uwsgi `--harakiri`, daphne `--http-timeout`: request limits when set.
    - uvicorn `--timeout-keep-alive` (default 5 s) and hypercorn `--keep-alive` (5 s) are
      NOT request timeouts: they close idle connections, which matters only when nginx
      keeps upstream connections alive (`keepalive` in an upstream block) for longer.
    """
    env = service_env(service)
    for seg in segments(command_tokens(service)):
        words = [expand(t.text, env) or "" for t in seg]
        hit = server_word(words)
        if hit is None:
            continue
        idx, server = hit
        args = Args(words[idx + 1 :])
        loc = seg[min(idx, len(seg) - 1)].location
        if server == "gunicorn":
            extra = env.get("GUNICORN_CMD_ARGS")
            if extra:
                args = Args(args.words + split_shell(extra))
            worker = args.value("-k", "--worker-class") or "sync"
            timeout = _num(args.value("-t", "--timeout"))
            keepalive = _num(args.value("--keep-alive"))
            if args.has("-c", "--config") and timeout is None:
                return None
            if _unreadable(args, "-t", "--timeout") or _unreadable(args, "--keep-alive"):
                return None  # set to something we cannot read: unknown, not the default
            out = AppTimeouts("gunicorn", location=loc)
            if worker in SYNC_WORKERS:
                out.request = timeout if timeout is not None else 30.0
                out.request_explicit = timeout is not None
                out.request_desc = (
                    f"gunicorn --timeout {args.value('-t', '--timeout')}"
                    if timeout is not None
                    else "gunicorn's default --timeout 30 (sync workers)"
                )
            else:
                if timeout is not None:
                    # Async workers: only a heartbeat, but an explicit value states how
                    # long the team expects requests to take.
                    out.request, out.request_explicit = timeout, True
                    out.request_enforced = False
                    out.request_desc = f"gunicorn --timeout {args.value('-t', '--timeout')}"
                out.idle = keepalive if keepalive is not None else 2.0
                out.idle_explicit = keepalive is not None
                out.idle_desc = (
                    f"gunicorn --keep-alive {args.value('--keep-alive')}"
                    if keepalive is not None
                    else "gunicorn's default --keep-alive 2"
                )
            return out
        if server in ("uvicorn", "hypercorn"):
            flag = "--timeout-keep-alive" if server == "uvicorn" else "--keep-alive"
            val = _num(args.value(flag))
            if _unreadable(args, flag):
                return None
            return AppTimeouts(
                server,
                idle=val if val is not None else 5.0,
                idle_explicit=val is not None,
                idle_desc=(
                    f"{server} {flag} {args.value(flag)}"
                    if val is not None
                    else f"{server}'s default {flag} 5"
                ),
                location=loc,
            )
        if server == "uwsgi":
            val = _num(args.value("--harakiri"))
            if val is None:
                return None
            return AppTimeouts(
                server,
                request=val,
                request_explicit=True,
                request_desc=f"uwsgi --harakiri {args.value('--harakiri')}",
                location=loc,
            )
        if server == "daphne":
            val = _num(args.value("--http-timeout"))
            if val is None:
                return None
            return AppTimeouts(
                server,
                request=val,
                request_explicit=True,
                request_desc=f"daphne --http-timeout {args.value('--http-timeout')}",
                location=loc,
            )
    return None


def _nginx_read(
    route: ProxyRoute, unresolved: set[tuple[str, int]]
) -> tuple[float, bool, Location | None] | None:
    name = {"proxy": "proxy_read_timeout", "uwsgi": "uwsgi_read_timeout"}.get(route.kind)
    if name is None:
        return None
    d = route.config.effective_value(route.context, name)
    if d is None or not d.args:
        if unknown_include_in_scope(route.context, unresolved):
            return None
        return NGINX_DEFAULT_READ, False, None
    secs = nginx_seconds(d.args[0])
    if secs is None:
        return None
    return secs, True, d.location


@record(frozen=True, kw_only=True)
class TimeoutMismatch:
    """The route and service whose timeouts disagree, and both sides' seconds."""

    project: str | None = None
    config: str | None = None
    service: str | None = None
    target_service: str | None = None
    upstream: str | None = None
    nginx_timeout: float | None = None
    app_timeout: float | None = None
    nginx_keepalive_timeout: float | None = None
    app_keepalive_timeout: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return subject_dict(self)


class ProxyTimeoutMismatchAppTimeout(Rule):
    code = "XF008"
    name = "proxy-timeout-mismatch-app-timeout"
    title = "nginx proxy_read_timeout and the app server's timeouts disagree"
    severity = Severity.WARNING
    category = "cross-file"
    why = (
        "Two clocks run on every slow request. If nginx's proxy_read_timeout (default 60 s) "
        "is shorter than the app's own limit (gunicorn --timeout, uwsgi --harakiri), nginx "
        "answers 504 while the app keeps working and may still commit the change -- the "
        "client retries and the work is done twice. If the app's limit is shorter than a "
        "proxy_read_timeout that was raised for long requests, gunicorn kills the sync "
        "worker mid-request and nginx logs `upstream prematurely closed connection`: a 502 "
        "for exactly the requests the longer nginx timeout was meant to allow (reported when "
        "nginx waits at least twice as long as the app). Separately, "
        "with upstream `keepalive`, an app that closes idle connections sooner than nginx's "
        "upstream keepalive_timeout (60 s; uvicorn closes after 5 s) races nginx reusing "
        "the socket: sporadic 502s on non-idempotent requests. Only explicit settings are "
        "compared for request timeouts (both defaults: silent); uvicorn/hypercorn have no "
        "request timeout, and gunicorn --timeout kills long requests only for sync workers "
        "(for async workers an explicit --timeout is still read as the expected budget)."
    )
    how_to_fix = (
        "Make the app's request limit slightly shorter than nginx's proxy_read_timeout "
        "(app fails cleanly, nginx reports it), and both as long as the slowest legitimate "
        "request. With upstream keepalive, set the app's keep-alive timeout above nginx's "
        "(`uvicorn --timeout-keep-alive 75`, `gunicorn --keep-alive 75`) or lower "
        "`keepalive_timeout` in the upstream block."
    )
    references = (
        "https://docs.gunicorn.org/en/stable/settings.html#timeout",
        "https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_read_timeout",
        "https://nginx.org/en/docs/http/ngx_http_upstream_module.html#keepalive_timeout",
    )
    examples = (
        Example(
            bad={"docker-compose.yml": COMPOSE, "nginx/default.conf": CONF},
            good={"docker-compose.yml": COMPOSE, "nginx/default.conf": CONF.replace("60s", "125s")},
            description="gunicorn allows 120 s, nginx gives up after 60 s",
        ),
        Example(
            bad={"docker-compose.yml": KEEPALIVE_COMPOSE, "nginx/default.conf": KEEPALIVE_CONF},
            good={
                "docker-compose.yml": KEEPALIVE_COMPOSE.replace(
                    "--port 8000", "--port 8000 --timeout-keep-alive 75"
                ),
                "nginx/default.conf": KEEPALIVE_CONF,
            },
            description="uvicorn closes idle connections after 5 s, nginx keeps them 60 s",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        seen: set[tuple[int, str, str]] = set()
        cache: dict[int, AppTimeouts | None] = {}
        self._unresolved = unresolved_includes(stack)
        for project, rt in project_targets(stack):
            svc = rt.service
            if svc is None:
                continue
            if id(svc) not in cache:
                cache[id(svc)] = app_timeouts(svc)
            app = cache[id(svc)]
            if app is None:
                continue
            route = rt.route
            if route.path and HEALTH_PATH_RE.search(route.path):
                continue  # probes answer in milliseconds; their timeout is not the issue
            base = TimeoutMismatch(
                project=project.name,
                config=route.config.root_file,
                service=svc.name,
                target_service=svc.name,
                upstream=route.upstream.name if route.upstream else None,
            )
            key = (id(route.directive), svc.name, "request")
            if app.request is not None and key not in seen:
                f = self._request(rt.location, route, svc.name, app, base)
                if f is not None:
                    seen.add(key)
                    yield f
            key = (id(route.upstream) if route.upstream else 0, svc.name, "idle")
            if app.idle is not None and route.upstream is not None and key not in seen:
                f = self._idle(route, svc.name, app, base)
                if f is not None:
                    seen.add(key)
                    yield f

    def _request(
        self, loc: Location, route: ProxyRoute, svc: str, app: AppTimeouts, base: TimeoutMismatch
    ) -> Finding | None:
        nginx = _nginx_read(route, self._unresolved)
        if nginx is None or app.request is None:
            return None
        n_secs, n_explicit, n_loc = nginx
        a_secs = app.request
        if not (n_explicit or app.request_explicit):
            return None
        directive = f"{route.kind}_read_timeout"
        n_desc = (
            f"{directive} {fmt_seconds(n_secs)}"
            if n_explicit
            else f"{directive} (default {fmt_seconds(n_secs)})"
        )
        related = [x for x in (app.location,) if x is not None]
        detail = dataclasses.replace(base, nginx_timeout=n_secs, app_timeout=a_secs)
        if n_secs < a_secs:
            return self.finding(
                n_loc or route.directive.location,
                f"{n_desc} is shorter than '{svc}' {app.request_desc}: nginx answers 504 "
                f"after {fmt_seconds(n_secs)} while the app keeps working for up to "
                f"{fmt_seconds(a_secs)}",
                subject=svc,
                related=related,
                detail=detail,
            )
        if a_secs * 2 <= n_secs and app.request_enforced:
            return self.finding(
                app.location or loc,
                f"'{svc}' {app.request_desc} is shorter than {n_desc} at "
                f"{(n_loc or route.directive.location).file}:"
                f"{(n_loc or route.directive.location).line}: the worker is killed after "
                f"{fmt_seconds(a_secs)} and nginx answers 502 (upstream prematurely closed)",
                subject=svc,
                related=[n_loc or route.directive.location],
                detail=detail,
            )
        return None

    def _idle(
        self, route: ProxyRoute, svc: str, app: AppTimeouts, base: TimeoutMismatch
    ) -> Finding | None:
        up = route.upstream
        if up is None or up.keepalive is None or app.idle is None:
            return None
        version = route.config.effective_value(route.context, "proxy_http_version")
        if route.kind == "proxy" and (version is None or version.args[:1] != ["1.1"]):
            return None  # HTTP/1.0 to the upstream: connections are never reused
        kt = up.directive.child("keepalive_timeout")
        n_secs = (
            nginx_seconds(kt.args[0])
            if kt is not None and kt.args
            else (NGINX_DEFAULT_UPSTREAM_KEEPALIVE)
        )
        if n_secs is None or app.idle >= n_secs:
            return None
        n_desc = (
            f"keepalive_timeout {kt.args[0]}"
            if kt is not None
            else f"keepalive_timeout (default {fmt_seconds(n_secs)})"
        )
        return self.finding(
            up.keepalive.location,
            f"upstream '{up.name}' keeps idle connections {fmt_seconds(n_secs)} ({n_desc}) "
            f"but '{svc}' closes them after {fmt_seconds(app.idle)} ({app.idle_desc}): nginx "
            f"can reuse a socket the app is closing (sporadic 502s)",
            subject=f"{up.name}:{svc}",
            related=[x for x in (app.location,) if x is not None],
            detail=dataclasses.replace(
                base, nginx_keepalive_timeout=n_secs, app_keepalive_timeout=app.idle
            ),
        )
