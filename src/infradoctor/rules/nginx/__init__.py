"""nginx rules: hygiene and reliability checks within nginx configuration trees."""

from __future__ import annotations

from infradoctor.rules.base import Rule
from infradoctor.rules.nginx.NGX001_server_tokens_on import ServerTokensOn
from infradoctor.rules.nginx.NGX002_proxy_timeouts_implicit import ProxyTimeoutsImplicit
from infradoctor.rules.nginx.NGX003_forwarded_headers_missing import ForwardedHeadersMissing
from infradoctor.rules.nginx.NGX004_tls_outdated_protocols import TlsOutdatedProtocols
from infradoctor.rules.nginx.NGX005_upload_route_default_body_size import (
    UploadRouteDefaultBodySize,
)
from infradoctor.rules.nginx.NGX006_health_location_missing import HealthLocationMissing
from infradoctor.rules.nginx.NGX007_proxy_header_inheritance_lost import (
    ProxyHeaderInheritanceLost,
)
from infradoctor.rules.nginx.NGX008_variable_proxy_pass_without_resolver import (
    VariableProxyPassWithoutResolver,
)
from infradoctor.rules.nginx.NGX009_add_header_inheritance_lost import AddHeaderInheritanceLost
from infradoctor.rules.nginx.NGX010_alias_path_traversal import AliasPathTraversal
from infradoctor.rules.nginx.NGX011_upstream_keepalive_ineffective import (
    UpstreamKeepaliveIneffective,
)
from infradoctor.rules.nginx.NGX012_undefined_nginx_variable import UndefinedNginxVariable

RULES: tuple[type[Rule], ...] = (
    ServerTokensOn,
    ProxyTimeoutsImplicit,
    ForwardedHeadersMissing,
    TlsOutdatedProtocols,
    UploadRouteDefaultBodySize,
    HealthLocationMissing,
    ProxyHeaderInheritanceLost,
    VariableProxyPassWithoutResolver,
    AddHeaderInheritanceLost,
    AliasPathTraversal,
    UpstreamKeepaliveIneffective,
    UndefinedNginxVariable,
)
