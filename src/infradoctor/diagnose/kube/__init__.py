"""Kubernetes diagnosis: `infradoctor diagnose --kube` (live, through kubectl) and
`diagnose --from` a recording (our bundle, a directory of `kubectl get -o json` outputs, or
a Replicated troubleshoot support bundle).

Data flow, as for Docker: collectors (`collect.py`, read-only kubectl calls) or importers
(`layout.py`) produce an evidence Bundle in one layout (`kube/<resource>.json`,
`kube/logs/<ns>/<pod>/<container>[.previous].log`); `model.py` turns it into typed objects
with indexes (built once per analysis); `analyzers.py` are pure functions of those facts;
`engine.py` merges symptoms into their root cause and ranks; the shared reporters render."""
