"""Redaction of Kubernetes evidence, on top of the shared redactor (infradoctor.redact).

Kubernetes writes env vars as `{"name": "DB_PASSWORD", "value": "..."}`, which the
key-based JSON redaction cannot see, and keeps the whole applied manifest (with those
values) in the `kubectl.kubernetes.io/last-applied-configuration` annotation. So: drop
that annotation and `managedFields`, mask `value` of secret-named env entries and the data
of any Secret object, then run the shared JSON / text redaction."""

from __future__ import annotations

import json
from typing import Any

from infradoctor.diagnose.evidence import Bundle
from infradoctor.diagnose.kube import layout
from infradoctor.redact import MASK, is_secret_name, redact_json, redact_text
from infradoctor.syntax.jsondoc import loads_bounded

DROP_ANNOTATIONS = ("kubectl.kubernetes.io/last-applied-configuration",)


def trim(obj: Any) -> Any:
    """Drop bulky, secret-prone metadata and mask env values and Secret data, recursively."""
    if isinstance(obj, dict):
        out: dict[str, Any] = {}
        is_secret = obj.get("kind") == "Secret"
        for k, v in obj.items():
            if k == "managedFields":
                continue
            if k == "annotations" and isinstance(v, dict):
                out[k] = {ak: trim(av) for ak, av in v.items() if ak not in DROP_ANNOTATIONS}
                continue
            if is_secret and k in ("data", "stringData") and isinstance(v, dict):
                out[k] = {dk: MASK for dk in v}
                continue
            if k == "env" and isinstance(v, list):
                out[k] = [_env(e) for e in v]
                continue
            if k in ("args", "command") and isinstance(v, list):
                # `--password value` pairs, as for Docker's Cmd / Args
                out[k] = redact_json(v, "Args")
                continue
            out[k] = trim(v)
        return out
    if isinstance(obj, list):
        return [trim(x) for x in obj]
    return obj


def _env(entry: Any) -> Any:
    if isinstance(entry, dict) and isinstance(entry.get("value"), str):
        name = str(entry.get("name", ""))
        if is_secret_name(name) and entry["value"]:
            return {**entry, "value": MASK}
        return {**entry, "value": redact_text(f"{name}={entry['value']}").split("=", 1)[1]}
    return trim(entry)


def redact_kube_json(obj: Any) -> Any:
    return redact_json(trim(obj))


def redact_kube_bundle(bundle: Bundle) -> None:
    """In place: kube/*.json structurally, logs as text; meta and collector errors too."""
    for path in list(bundle.files):
        if not path.startswith(layout.PREFIX):
            continue
        data = bundle.files[path]
        if path.endswith(".json"):
            try:
                obj = loads_bounded(data)
            except ValueError:
                bundle.files[path] = redact_text(data.decode("utf-8", "replace")).encode()
                continue
            bundle.files[path] = json.dumps(
                redact_kube_json(obj), indent=1, sort_keys=True
            ).encode()
        else:
            bundle.files[path] = redact_text(data.decode("utf-8", "surrogateescape")).encode(
                "utf-8", "surrogateescape"
            )
    bundle.meta.update(redact_json(dict(bundle.meta)))
    for status in bundle.collectors:
        if status.error:
            status.error = redact_text(status.error)
