#!/usr/bin/env bash
# `make test` runs this: the alert rules parse (`promtool check rules`) and pass their unit tests
# (`promtool test rules`); every query of the Grafana dashboard is valid PromQL; and every metric the
# rules and the dashboard name is one `edal run` exports (WorkerMetrics), so a renamed metric fails here.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PROMTOOL="${PROMTOOL:-$ROOT/.tools/bin/promtool}"
DIR="$ROOT/infra/observability"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

"$PROMTOOL" check rules "$DIR/edal-alerts.yml"
(cd "$DIR" && "$PROMTOOL" test rules edal-alerts.test.yml)

python3 - "$ROOT" "$WORK/dashboard-queries.yml" <<'PY'
import json, pathlib, re, sys
root, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
dashboard = json.loads((root / "infra/observability/edal-dashboard.json").read_text())
queries = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
assert queries, "the dashboard has no queries"
# Each query as a recording rule, so promtool parses it ($__rate_interval is Grafana's).
rules = [{"record": f"edal:dashboard_query_{i}", "expr": q.replace("$__rate_interval", "5m")} for i, q in enumerate(queries)]
out.write_text(json.dumps({"groups": [{"name": "dashboard", "rules": rules}]}))
observability = root / "Sources/EDALWorker/Observability"
exported = {name for source in ("WorkerMetrics.swift", "ProcessMetrics.swift")
            for name in re.findall(r'label: "([a-z0-9_]+)"', (observability / source).read_text())}
text = (root / "infra/observability/edal-alerts.yml").read_text() + "\n".join(queries)
used = {m for m in re.findall(r'\b((?:sqs|s3|edal|process)_[a-z0-9_]+)\b', text) if not m.startswith("edal_dashboard")}
unknown = sorted(m for m in used if m not in exported and re.sub(r'_(bucket|count|sum)$', '', m) not in exported)
if unknown:
    sys.exit(f"check-observability: metrics EDAL does not export: {', '.join(unknown)}")
print(f"check-observability: {len(queries)} dashboard queries, {len(used)} metrics, all exported by edal run")
PY
"$PROMTOOL" check rules "$WORK/dashboard-queries.yml" >/dev/null
echo "check-observability: alert rules and dashboard OK"
