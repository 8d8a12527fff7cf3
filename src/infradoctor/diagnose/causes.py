"""The stable cause vocabulary of `infradoctor diagnose`.

Cause ids are a contract (JSON output, docs, tests, users' alerting): never rename one.
Each cause has a title, a one-paragraph explanation, a default fix plan and verification
steps (templates with {placeholders} filled from the diagnosis subject; safe, read-only
commands come first: inspect before restart), and the `lint` rule codes that would have
prevented it.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Cause:
    id: str
    title: str
    explanation: str
    plan: tuple[str, ...]
    verify: tuple[str, ...]
    rules: tuple[str, ...] = ()
    rank: int = 50  # lower = more likely to be the root when several causes co-occur


_VERIFY_UPSTREAM = (
    "curl -sS -o /dev/null -w '%{{http_code}}\\n' http://{address}/  (the backend directly, "
    "from the nginx host or container)",
    "curl -sS -o /dev/null -w '%{{http_code}}\\n' -H 'Host: {host}' http://127.0.0.1/  "
    "(the same route through nginx)",
    "tail -n 50 {error_log}  (no new upstream errors after the fix)",
)

CAUSES: dict[str, Cause] = {
    c.id: c
    for c in (
        Cause(
            "nginx-config-invalid",
            "nginx configuration does not pass `nginx -t`",
            "nginx refuses to start or reload with this configuration; a rejected reload keeps "
            "the old configuration serving, a restart takes the site down.",
            (
                "nginx -t  (read the first [emerg] line: file and line number)",
                "fix the file named there, then nginx -t again",
                "nginx -s reload  (only after nginx -t succeeds)",
            ),
            (
                "nginx -t prints 'syntax is ok' and 'test is successful'",
                "curl -sS -o /dev/null -w '%{{http_code}}\\n' http://127.0.0.1/",
            ),
            ("NGX008",),
            rank=5,
        ),
        Cause(
            "nginx-down",
            "nginx is not running",
            "No nginx master process was found, so clients get connection refused (not 502).",
            (
                "nginx -t  (a broken config is the usual reason it does not start)",
                "journalctl -u nginx --no-pager -n 50  or  docker logs --tail 50 {container}",
                "systemctl start nginx  or  docker start {container}",
            ),
            (
                "pgrep -a nginx  (a master process is listed)",
                "curl -sS -o /dev/null -w '%{{http_code}}\\n' http://127.0.0.1/",
            ),
            ("CMP001",),
            rank=6,
        ),
        Cause(
            "disk-full",
            "a filesystem nginx or Docker writes to is full",
            "With no space left nginx cannot write proxy temp files (large responses are "
            "truncated), request bodies (500) or its own logs (errors go missing), and Docker "
            "cannot write container logs or layers.",
            (
                "df -h {path}; df -i {path}  (space and inodes)",
                "du -xsh /var/lib/docker/containers/*/*-json.log /var/log/* 2>/dev/null | sort -h "
                "| tail  (largest consumers)",
                "truncate -s 0 <largest container json log>  (frees space without restarting)",
                "add rotation: compose `logging: {{driver: json-file, options: {{max-size: 10m, "
                "max-file: '3'}}}}` and logrotate for nginx logs",
            ),
            (
                "df -h {path}  (use% well below 90%)",
                "curl -sS -o /dev/null -w '%{{http_code}} %{{size_download}}\\n' "
                "http://127.0.0.1/<large response>  (full size, no truncation)",
            ),
            ("CMP002", "XF013"),
            rank=8,
        ),
        Cause(
            "oom-killed",
            "container was killed by the kernel OOM killer",
            "The container exceeded its memory limit (or the host ran out of memory) and was "
            "killed with SIGKILL (exit code 137); in-flight requests fail with 'upstream "
            "prematurely closed' and new ones with 'connection refused' until it is back.",
            (
                "docker inspect -f '{{{{.State.OOMKilled}}}} {{{{.State.ExitCode}}}} "
                "{{{{.HostConfig.Memory}}}}' {container}",
                "docker stats --no-stream {container}  (memory use vs limit, if running)",
                "dmesg -T | grep -i -E 'killed process|out of memory' | tail",
                "raise the memory limit{opt_memory} (compose `mem_limit:` / "
                "`deploy.resources.limits.memory`) or fix the leak; for the JVM size the heap "
                "below the limit",
                "docker compose up -d {service}",
            ),
            (
                "docker inspect -f '{{{{.State.Status}}}} {{{{.State.OOMKilled}}}}' {container}  "
                "(expect: running false)",
                *_VERIFY_UPSTREAM,
            ),
            ("CMP006", "CMP005"),
            rank=10,
        ),
        Cause(
            "container-crashloop",
            "container keeps crashing and restarting",
            "The restart policy restarts the container but the process exits again shortly "
            "after start; between restarts nothing listens and nginx returns 502.",
            (
                "docker logs --tail 100 {container}  (the error before each exit)",
                "docker inspect -f '{{{{.RestartCount}}}} {{{{.State.ExitCode}}}} "
                "{{{{.State.Error}}}}' {container}",
                "fix the crash (config, missing env, dependency not ready), then "
                "docker compose up -d {service}",
            ),
            (
                "docker inspect -f '{{{{.RestartCount}}}}' {container}  (stops increasing)",
                *_VERIFY_UPSTREAM,
            ),
            ("XF004", "XF005", "XF011"),
            rank=12,
        ),
        Cause(
            "container-stopped",
            "the container behind the upstream is not running",
            "The container exited and nothing restarted it, so its address refuses "
            "connections (or its name no longer resolves in Docker's DNS).",
            (
                "docker ps -a --filter name={container}  (status and exit code)",
                "docker logs --tail 100 {container}  (why it exited)",
                "docker start {container}  or  docker compose up -d {service}",
                "add `restart: unless-stopped` to the service",
            ),
            ("docker ps --filter name={container}  (Up ...)", *_VERIFY_UPSTREAM),
            ("CMP001",),
            rank=14,
        ),
        Cause(
            "socket-missing",
            "the unix socket nginx proxies to does not exist",
            "connect() to a unix socket failed with ENOENT (2) or ECONNREFUSED: the app "
            "server (php-fpm, gunicorn, uwsgi) is not running, listens on another path, or "
            "the volume holding the socket is not shared with nginx.",
            (
                "ls -l {path}  (in nginx's mount namespace: docker exec <nginx> ls -l {path})",
                "check the app server's socket setting (listen = / --bind unix:)",
                "share the socket directory as a volume between the containers, start the app",
            ),
            ("test -S {path}", *_VERIFY_UPSTREAM[1:]),
            ("XF002",),
            rank=16,
        ),
        Cause(
            "listening-on-loopback",
            "the app listens on 127.0.0.1 inside its container",
            "The process binds the loopback interface only, so connections to the "
            "container's network IP are refused although the app is running.",
            (
                "docker exec {container} sh -c 'cat /proc/net/tcp /proc/net/tcp6'  "
                "(local address 0100007F = 127.0.0.1)",
                "bind 0.0.0.0 (e.g. `--host 0.0.0.0`, `--bind 0.0.0.0:{port}`, HOST=0.0.0.0)",
                "docker compose up -d {service}",
            ),
            _VERIFY_UPSTREAM,
            ("XF003",),
            rank=18,
        ),
        Cause(
            "port-mismatch",
            "nginx proxies to a port the app does not listen on",
            "The container is running, but nothing listens on the port nginx connects to "
            "(the app uses another port, or proxy_pass / upstream server names the wrong one).",
            (
                "docker exec {container} sh -c 'cat /proc/net/tcp /proc/net/tcp6'  "
                "(which ports listen)",
                "grep -rn ':{port}' {nginx_conf_dir}  (where nginx names the port)",
                "make proxy_pass / upstream `server` use the port the app listens on, "
                "then nginx -t && nginx -s reload",
            ),
            _VERIFY_UPSTREAM,
            ("XF002", "DKR004"),
            rank=20,
        ),
        Cause(
            "dns-unresolvable",
            "nginx cannot resolve an upstream host name",
            "The name is wrong, the target is not on a shared Docker network, or the target "
            "container is stopped (Docker's embedded DNS drops stopped containers); a "
            "config-time failure stops nginx from starting or reloading.",
            (
                "docker exec <nginx container> getent hosts {upstream}",
                "docker network inspect <network>  (both containers attached?)",
                "fix the name or attach the service to the same network; start the target",
            ),
            ("getent hosts {upstream}  (from nginx's network namespace)", *_VERIFY_UPSTREAM[1:]),
            ("XF001", "NGX008", "XF014"),
            rank=22,
        ),
        Cause(
            "stale-upstream-ip",
            "nginx connects to an IP no container has any more",
            "nginx resolved the upstream name once at start; the container was recreated "
            "with a new IP, so nginx keeps connecting to the old address.",
            (
                "docker network inspect <network>  (who owns {address} now?)",
                "nginx -s reload  (re-resolves names; quick fix)",
                "durable: `resolver 127.0.0.11 valid=10s;` with a variable in proxy_pass, or "
                "`server name:port resolve;` in an upstream with a zone",
            ),
            _VERIFY_UPSTREAM,
            ("XF014",),
            rank=24,
        ),
        Cause(
            "upstream-tls-mismatch",
            "TLS between nginx and the upstream fails",
            "proxy_pass https:// to a plain-HTTP port (wrong version number), a missing SNI "
            "(proxy_ssl_server_name), or a certificate verify / name mismatch.",
            (
                "openssl s_client -connect {address} -servername {host} </dev/null | head",
                "use http:// for a plain-HTTP backend, or `proxy_ssl_server_name on;`",
            ),
            _VERIFY_UPSTREAM,
            (),
            rank=26,
        ),
        Cause(
            "fd-exhausted",
            "nginx ran out of file descriptors or connections",
            "socket()/accept() failed with EMFILE (24) or worker_connections is too small; "
            "requests fail with 500 or connections are refused.",
            (
                "cat /proc/$(pgrep -o nginx)/limits | grep 'open files'",
                "ls /proc/$(pgrep -n nginx)/fd | wc -l",
                "raise `worker_rlimit_nofile` and `worker_connections` (and the container "
                "ulimit nofile), then nginx -t && nginx -s reload",
            ),
            ("no new '(24: Too many open files)' lines in the error log",),
            (),
            rank=28,
        ),
        Cause(
            "upstream-timeout",
            "the upstream is slower than nginx's proxy timeout",
            "nginx waited proxy_connect/send/read_timeout (60s by default) and returned 504.",
            (
                "grep 'timed out' {error_log} | tail  (which endpoints, which phase)",
                "docker stats --no-stream {container}  (CPU / memory saturation)",
                "time curl -sS -o /dev/null http://{address}{request_path}  (latency directly)",
                "fix the slow handler or raise proxy_read_timeout for that location only, and "
                "align the app server's timeout (gunicorn --timeout) with nginx",
            ),
            _VERIFY_UPSTREAM,
            ("NGX002", "XF008"),
            rank=30,
        ),
        Cause(
            "upstream-closed-connection",
            "the upstream closed or reset connections mid-request",
            "'upstream prematurely closed connection' / 'Connection reset by peer': the app "
            "process died during the request, its worker was killed on a timeout, or it "
            "speaks another protocol on that port.",
            (
                "docker logs --since 30m {container} | grep -i -E 'killed|timeout|error'",
                "docker inspect -f '{{{{.RestartCount}}}} {{{{.State.OOMKilled}}}}' {container}",
                "align the app server's worker timeout with proxy_read_timeout; fix the crash",
            ),
            _VERIFY_UPSTREAM,
            ("XF008", "XF012"),
            rank=32,
        ),
        Cause(
            "header-too-big",
            "the upstream's response headers exceed proxy_buffer_size",
            "Large cookies, long redirect URLs or tokens in headers do not fit nginx's "
            "header buffer (4k/8k); nginx answers 502.",
            (
                "curl -sS -D - -o /dev/null http://{address}/  (size of the headers)",
                "in the location: `proxy_buffer_size 16k; proxy_buffers 8 16k;` then "
                "nginx -t && nginx -s reload",
            ),
            _VERIFY_UPSTREAM,
            (),
            rank=34,
        ),
        Cause(
            "bot-conflict",
            "two instances of one Telegram bot are running",
            "Telegram allows one getUpdates poller per token: a second instance (a replica, "
            "an old container, a developer laptop) gets 409 Conflict and the bots steal "
            "updates from each other; a webhook set on the token also blocks polling.",
            (
                "docker ps --format '{{{{.Names}}}} {{{{.Image}}}} {{{{.Status}}}}'  "
                "(find every instance)",
                "docker logs --tail 20 {container} | grep -i conflict",
                "stop the extra instance (docker stop <other>) and set replicas: 1 for polling "
                "bots; delete a stale webhook with deleteWebhook if polling is intended",
            ),
            ("docker logs --since 5m {container} 2>&1 | grep -ci conflict  (expect 0)",),
            ("XF009",),
            rank=36,
        ),
        Cause(
            "healthcheck-failing",
            "the container's health check is failing",
            "Docker reports the container unhealthy; the last health-check outputs say why. "
            "Services that wait for it (depends_on: service_healthy) will not start.",
            (
                "docker inspect -f '{{{{json .State.Health}}}}' {container}",
                "docker exec {container} <health check command>  (run it by hand)",
                "fix the app or the check (right port, tool present in the image)",
            ),
            ("docker inspect -f '{{{{.State.Health.Status}}}}' {container}  (healthy)",),
            ("XF011", "CMP008", "DKR005"),
            rank=40,
        ),
        Cause(
            "log-growth",
            "a container log grows without a size limit",
            "The json-file log driver keeps everything unless max-size is set; a chatty "
            "container fills the Docker root filesystem.",
            (
                "docker inspect -f '{{{{.LogPath}}}} {{{{.HostConfig.LogConfig}}}}' {container}",
                "du -h $(docker inspect -f '{{{{.LogPath}}}}' {container})",
                "truncate -s 0 $(docker inspect -f '{{{{.LogPath}}}}' {container})  "
                "(immediate relief)",
                "set `logging: {{driver: json-file, options: {{max-size: 10m, max-file: '3'}}}}` "
                "(or daemon.json log-opts) and recreate: docker compose up -d {service}",
            ),
            (
                "docker inspect -f '{{{{.HostConfig.LogConfig.Config}}}}' {container}  "
                "(max-size set)",
            ),
            ("CMP002",),
            rank=42,
        ),
        # Additional causes (stable too) for failures the list above does not name.
        Cause(
            "upstream-refused",
            "the upstream refuses connections",
            "connect() got ECONNREFUSED (111): nothing listens on the peer's address. The "
            "peer could not be matched to a container, so the exact reason is unknown.",
            (
                "curl -sS -v http://{address}/  (from the nginx host)",
                "ss -ltnp | grep {port}  (on the host that owns the address)",
                "start the app or fix the address in proxy_pass / upstream",
            ),
            _VERIFY_UPSTREAM,
            ("XF002",),
            rank=44,
        ),
        Cause(
            "upstream-invalid-response",
            "the upstream sends an invalid HTTP response",
            "Malformed headers, bad chunked encoding, or a non-HTTP protocol on that port.",
            (
                "curl -sS -v --raw http://{address}/ | head -c 2000",
                "fix the app, or point nginx at the right port / protocol",
            ),
            _VERIFY_UPSTREAM,
            (),
            rank=46,
        ),
        Cause(
            "upstream-unavailable",
            "all servers of an upstream group are marked failed",
            "nginx logged 'no live upstreams': every server hit max_fails within "
            "fail_timeout because of earlier errors.",
            (
                "grep -B5 'no live upstreams' {error_log} | tail -50  (the earlier errors)",
                "fix the peer failure; tune max_fails / fail_timeout, add a backup server",
            ),
            _VERIFY_UPSTREAM,
            ("XF012",),
            rank=48,
        ),
        # Kubernetes causes (`diagnose --kube`; kube/plans.py holds their kubectl plans).
        Cause(
            "node-pressure",
            "a node is under disk, memory or PID pressure",
            "The kubelet reports DiskPressure / MemoryPressure / PIDPressure: it evicts pods "
            "and the scheduler avoids the node, so workloads on it restart elsewhere or stay "
            "Pending.",
            ("kubectl describe node {node}  (Conditions, Allocated resources, Events)",),
            ("kubectl get node {node}  (Ready, no pressure condition)",),
            ("K8S007",),
            rank=9,
        ),
        Cause(
            "image-pull-failed",
            "the container image cannot be pulled",
            "ErrImagePull / ImagePullBackOff: the image name or tag does not exist, the "
            "registry needs credentials (imagePullSecrets) or is unreachable; the pod never "
            "starts.",
            ("kubectl describe pod -n {namespace} {pod}  (the Failed event names the reason)",),
            ("kubectl get pods -n {namespace}  (Running, READY n/n)",),
            ("K8S008",),
            rank=11,
        ),
        Cause(
            "config-error",
            "the container cannot be created: missing Secret, ConfigMap or key",
            "CreateContainerConfigError: an env var or volume refers to a Secret or "
            "ConfigMap (or a key in one) that does not exist in the namespace; the "
            "container is never created.",
            ("kubectl describe pod -n {namespace} {pod}",),
            ("kubectl get pods -n {namespace}  (Running, READY n/n)",),
            (),
            rank=11,
        ),
        Cause(
            "unschedulable",
            "pods cannot be scheduled on any node",
            "FailedScheduling: no node satisfies the pod's requests, selectors, affinities, "
            "taints or volume bindings; the pods stay Pending.",
            ("kubectl describe pod -n {namespace} {pod}  (the FailedScheduling event)",),
            ("kubectl get pods -n {namespace} -o wide  (assigned to a node)",),
            ("K8S009",),
            rank=13,
        ),
        Cause(
            "rollout-stuck",
            "a rollout does not complete",
            "The new ReplicaSet does not become ready (ProgressDeadlineExceeded) while the "
            "old one still serves; nothing more specific (image, config, crash) explains it.",
            ("kubectl rollout status deployment/{name} -n {namespace}",),
            ("kubectl rollout status deployment/{name} -n {namespace}  (successfully rolled out)",),
            (),
            rank=15,
        ),
        Cause(
            "readiness-failing",
            "the readiness probe fails",
            "The kubelet's readiness probe fails, so the pod is removed from its Service's "
            "endpoints: the ingress answers 503 when no pod is ready.",
            ("kubectl describe pod -n {namespace} {pod}  (Readiness probe failed: ...)",),
            ("kubectl get pods -n {namespace}  (READY n/n)",),
            ("K8S005", "K8S004"),
            rank=17,
        ),
        Cause(
            "no-ready-endpoints",
            "a Service has no ready endpoints",
            "No ready pod backs the Service (its selector matches no pod, or none of the "
            "matching pods is ready); the ingress answers 503 'Service does not have any "
            "active Endpoint'.",
            ("kubectl get endpointslices -n {namespace} -l kubernetes.io/service-name={name}",),
            ("kubectl get endpointslices -n {namespace} -l kubernetes.io/service-name={name}",),
            ("K8S001", "K8S002"),
            rank=19,
        ),
    )
}

VOCABULARY: tuple[str, ...] = tuple(CAUSES)

# Names of the lint rules the causes link to (docs/ARCHITECTURE.md; codes are stable).
RULE_NAMES: dict[str, str] = {
    "XF001": "proxy-target-unknown-host",
    "XF002": "proxy-target-port-not-listening",
    "XF003": "proxied-service-binds-loopback",
    "XF004": "depends-on-service-without-healthcheck",
    "XF005": "depends-on-without-healthy-condition",
    "XF006": "proxy-to-localhost-from-container",
    "XF008": "proxy-timeout-mismatch-app-timeout",
    "XF009": "polling-bot-replicated",
    "XF011": "proxied-service-without-healthcheck",
    "XF012": "replicated-upstream-without-next-upstream",
    "XF013": "nginx-logs-bind-mounted-without-rotation",
    "XF014": "upstream-hostname-resolved-once",
    "CMP001": "restart-policy-missing",
    "CMP002": "json-log-unbounded",
    "CMP005": "memory-limit-missing",
    "CMP006": "jvm-heap-exceeds-memory-limit",
    "CMP008": "healthcheck-timing-invalid",
    "DKR004": "expose-differs-from-command-port",
    "DKR005": "healthcheck-tool-missing",
    "NGX002": "proxy-timeouts-implicit",
    "NGX008": "variable-proxy-pass-without-resolver",
    "K8S001": "service-selects-no-pods",
    "K8S002": "service-target-port-not-exposed",
    "K8S003": "ingress-backend-unknown",
    "K8S004": "served-workload-without-readiness-probe",
    "K8S005": "probe-port-unknown",
    "K8S006": "jvm-heap-vs-memory-limit",
    "K8S007": "k8s-memory-limit-missing",
    "K8S008": "k8s-image-tag-latest",
    "K8S009": "hpa-target-without-resource-request",
}


class _Defaults(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "" if key.startswith("opt_") else f"<{key}>"


def render(template: str, values: dict[str, Any]) -> str:
    """Fill {placeholders}; unknown or empty ones become <name>."""
    clean = _Defaults({k: v for k, v in values.items() if v not in (None, "")})
    return string.Formatter().vformat(template, (), clean)


def cause(cause_id: str) -> Cause:
    return CAUSES[cause_id]


__all__ = ["CAUSES", "RULE_NAMES", "VOCABULARY", "Cause", "cause", "render"]
