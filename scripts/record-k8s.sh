#!/bin/sh
# Record what `infradoctor diagnose --from DIR` reads, on any host with kubectl (read-only).
# usage: record-k8s.sh DIR [kubectl flags, e.g. --context prod]   (logs hold secrets? redact or use `infradoctor bundle --kube`)
set -u; dir=${1:?usage: record-k8s.sh DIR [kubectl flags]}; shift; mkdir -p "$dir"
for r in pods services endpointslices events nodes deployments replicasets statefulsets daemonsets ingresses horizontalpodautoscalers persistentvolumeclaims; do
  kubectl "$@" get "$r" -A -o json > "$dir/$r.json" 2>/dev/null || rm -f "$dir/$r.json"
done
kubectl "$@" get pods -A -o jsonpath='{range .items[*]}{.metadata.namespace} {.metadata.name} {.spec.containers[*].name}{"\n"}{end}' |
while read -r ns pod containers; do for c in $containers; do mkdir -p "$dir/logs/$ns/$pod"; f="$dir/logs/$ns/$pod/$c"
  kubectl "$@" logs -n "$ns" "$pod" -c "$c" --tail=2000 > "$f.log" 2>/dev/null || rm -f "$f.log"
  kubectl "$@" logs -n "$ns" "$pod" -c "$c" --tail=300 --previous > "$f.previous.log" 2>/dev/null || rm -f "$f.previous.log"
done; done
