"""What an upload route looks like (a path or a backend name), shared by the nginx rule
(NGX005) and the ingress-nginx annotation rule (K8S022)."""

from __future__ import annotations

import re

UPLOAD_PATH_RE = re.compile(
    r"upload|attach|import|avatar|\bfiles?\b|media|blob|storage|bucket|backup|\btus\b|"
    r"multipart",
    re.IGNORECASE,
)
UPLOAD_HOST_RE = re.compile(
    r"minio|upload|storage|\bs3\b|seaweed|filebrowser|nextcloud|"
    r"\bfiles?\b",
    re.IGNORECASE,
)
