"""Human-readable byte sizes, one formatter for the compose and Kubernetes rules."""

from __future__ import annotations

# (suffix, factor) largest first: compose/Docker notation and Kubernetes quantities.
DOCKER_UNITS = (("g", 1024**3), ("m", 1024**2), ("k", 1024))
K8S_UNITS = (("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10))


def human_size(n: int, units: tuple[tuple[str, int], ...] = DOCKER_UNITS, plain: str = "b") -> str:
    """`n` bytes in the largest unit it reaches, one decimal when not whole (`1.5g`,
    `512Mi`); below the smallest unit, the number and `plain` (`512b`, or `512` for k8s)."""
    for unit, factor in units:
        if n >= factor:
            value = n / factor
            return f"{value:.0f}{unit}" if value == int(value) else f"{value:.1f}{unit}"
    return f"{n}{plain}"


def k8s_size(n: int) -> str:
    """`n` bytes as a Kubernetes quantity (`1.5Gi`, `512Mi`, `100`)."""
    return human_size(n, K8S_UNITS, "")
