"""The fixer registry: rule code -> function building a Fix for one finding.

Applicability follows the catalogue in docs/ARCHITECTURE.md: "safe" fixes are applied by
`infradoctor fix`, "unsafe" ones only with `--unsafe`, "display-only" ones are shown as
suggestions (the tool cannot know the right value for sure)."""

from __future__ import annotations

import functools

from infradoctor.findings import Finding, Fix
from infradoctor.fixes import compose, dockerfile, helm, kubernetes, nginx
from infradoctor.fixes.context import FixContext, Fixer, FixUnavailable
from infradoctor.fixes.nginx_edit import NginxEditError
from infradoctor.fixes.yaml_edit import YamlEditError


def _bounded(fixer: Fixer) -> Fixer:
    """The fixer boundary: an edit helper saying the layout cannot be edited safely
    (NginxEditError, YamlEditError) means "no fix", like FixUnavailable. Anything else
    escaping is a fixer bug (attach_fixes records it)."""

    @functools.wraps(fixer)
    def run(ctx: FixContext, f: Finding) -> Fix | None:
        try:
            return fixer(ctx, f)
        except (NginxEditError, YamlEditError) as exc:
            raise FixUnavailable(str(exc)) from exc

    return run


_FIXERS: dict[str, Fixer] = {
    "CMP001": compose.fix_restart,
    "CMP002": compose.fix_json_log,
    "XF004": compose.fix_dependency_healthcheck,
    "XF005": compose.fix_depends_on_condition,
    "XF011": compose.fix_healthcheck,
    "SEC003": compose.fix_no_new_privileges,
    "SEC004": compose.fix_cap_drop,
    "NGX001": nginx.fix_server_tokens,
    "NGX002": nginx.fix_proxy_timeouts,
    "NGX003": nginx.fix_forwarded_headers,
    "NGX011": nginx.fix_upstream_keepalive,
    "NGX012": nginx.fix_undefined_variable,
    "XF007": nginx.fix_websocket,
    "XF012": nginx.fix_next_upstream,
    "XF001": nginx.fix_unknown_host,
    "XF002": nginx.fix_port_mismatch,
    "DKR001": dockerfile.fix_dockerfile_user,
    "DKR007": dockerfile.fix_dockerfile_healthcheck,
    "K8S008": helm.fix_values_image_tag,
    "K8S004": kubernetes.fix_readiness_probe,
    "K8S010": kubernetes.fix_pdb_max_unavailable,
    "K8S029": kubernetes.fix_pull_policy,
}
FIXERS: dict[str, Fixer] = {code: _bounded(fixer) for code, fixer in _FIXERS.items()}
