"""A readiness target and a probe's answer: the data both the protocol probes
(wait/targets) and the Kubernetes probes (wait/kube) work with."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from dataclasses import dataclass, field


class TargetError(ValueError):
    """A target string that cannot be probed (usage error, exit 2)."""


@dataclass(slots=True)
class ProbeResult:
    ok: bool
    message: str  # "SELECT 1 ok (PostgreSQL 15.4)", "connection refused", ...


@dataclass(slots=True)
class Target:
    raw: str
    scheme: str
    host: str
    port: int
    path: str = ""
    query: dict[str, str] = field(default_factory=dict)
    user: str | None = None
    password: str | None = None
    expect_body: str | None = None
    insecure: bool = False
    label: str | None = None  # where it came from (--from: service name)
    # the scheme's probe (targets.PROBES), set where the target is parsed
    probe_fn: Callable[[Target, float], ProbeResult] | None = None

    @property
    def display(self) -> str:
        """The target without its password."""
        if self.scheme == "kube":
            return self.raw
        auth = ""
        if self.user or self.password:
            auth = (self.user or "") + (":***" if self.password else "") + "@"
        host = f"[{self.host}]" if ":" in self.host else self.host
        text = f"{self.scheme}://{auth}{host}:{self.port}{self.path}"
        return f"{self.label} ({text})" if self.label else text

    def probe(self, timeout: float) -> ProbeResult:
        fn = self.probe_fn
        if fn is None:
            return ProbeResult(False, f"no probe for {self.scheme}://")
        try:
            return fn(self, timeout)
        except TimeoutError:
            return ProbeResult(False, f"timed out after {timeout:.1f}s")
        except ConnectionRefusedError:
            return ProbeResult(False, "connection refused")
        except ssl.SSLError as exc:
            return ProbeResult(False, f"TLS error: {exc.reason or exc}")
        except OSError as exc:
            return ProbeResult(False, exc.strerror or str(exc) or type(exc).__name__)
        except Exception as exc:  # noqa: BLE001 - a garbled answer is "not ready", not a crash
            return ProbeResult(False, f"unexpected answer ({type(exc).__name__}: {exc})")
