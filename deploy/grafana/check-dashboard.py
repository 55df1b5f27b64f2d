"""Checks deploy/grafana/tss-dashboard.json offline and says which of its metrics the code
registers today (by their names in libs/ and services/). Run by deploy/helm/check-chart.sh."""
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BOARD = os.path.join(ROOT, "deploy", "grafana", "tss-dashboard.json")
EXPECTED = ["http_request_duration_seconds", "tss_outbox_backlog_events", "tss_outbox_oldest_unpublished_age_seconds",
            "tss_consumer_events_total", "tss_dead_letters", "tss_timers_due", "tss_webhook_attempts_total",
            "tss_mail_sent_total", "tss_mail_failed_total", "tss_sla_breaches_total", "kafka_consumergroup_lag",
            "tss_kafka_broker_reachable", "tss_jwks_available", "tss_mail_session_refused"]

board = json.load(open(BOARD))
problems = []
cells = set()
metrics = set()
for p in board["panels"]:
    g = p["gridPos"]
    for dx in range(g["w"]):
        for dy in range(g["h"]):
            cell = (g["x"] + dx, g["y"] + dy)
            if cell in cells:
                problems.append("panel %r overlaps another at %s" % (p["title"], cell))
                break
            cells.add(cell)
    if g["x"] + g["w"] > 24:
        problems.append("panel %r is wider than the grid" % p["title"])
    if p["type"] == "row":
        continue
    if p.get("datasource", {}).get("uid") != "${datasource}":
        problems.append("panel %r does not use the $datasource variable" % p["title"])
    if not p.get("targets"):
        problems.append("panel %r has no query" % p["title"])
    for t in p.get("targets", []):
        if t["expr"].count("(") != t["expr"].count(")") or t["expr"].count("{") != t["expr"].count("}"):
            problems.append("panel %r: unbalanced brackets in %s" % (p["title"], t["expr"]))
        for m in re.findall(r"\b((?:tss|http|kafka)_[a-z_]+)", t["expr"]):
            metrics.add(re.sub(r"_(bucket|count|sum)$", "", m))
for m in EXPECTED:
    if m not in metrics:
        problems.append("no panel shows %s" % m)

source = []
for top in ("libs", "services"):
    for d, _, files in os.walk(os.path.join(ROOT, top)):
        if "node_modules" in d or "/test" in d:
            continue
        source += [open(os.path.join(d, f), encoding="utf-8").read() for f in files if f.endswith(".ts") and not f.endswith(".spec.ts")]
code = "\n".join(source)
print("%d panels; metrics and whether the code registers them now:" % sum(p["type"] != "row" for p in board["panels"]))
for m in sorted(metrics):
    where = "external (Kafka exporter)" if m.startswith("kafka_") else ("in code" if re.search(r"['\"]%s['\"]" % m, code) else "not in code yet")
    print("  %-45s %s" % (m, where))
for p in problems:
    print("PROBLEM", p)
sys.exit(1 if problems else 0)
