#!/usr/bin/env python3
"""Writes eveflow-dashboard.json (the Grafana dashboard): edit the panels here, then run
  deploy/grafana/make_dashboard.py > deploy/grafana/eveflow-dashboard.json
"""
import json
PROM = {"type": "prometheus", "uid": "eveflow-prometheus"}
PG = {"type": "postgres", "uid": "eveflow-postgres"}
SEL = 'instance=~"$instance"'
RI = "$__rate_interval"
panels = []
pid = [0]
y = [0]

def nid():
    pid[0] += 1
    return pid[0]

def row(title):
    panels.append({"type": "row", "title": title, "id": nid(), "collapsed": False,
                   "gridPos": {"h": 1, "w": 24, "x": 0, "y": y[0]}, "panels": []})
    y[0] += 1

slot = [0]
def ts(title, targets, unit="short", w=8, h=8, kind="timeseries", desc="", stack=False):
    x = slot[0]
    if x + w > 24:
        x = 0
        y[0] += h
    p = {"type": kind, "title": title, "id": nid(), "datasource": PROM, "description": desc,
         "gridPos": {"h": h, "w": w, "x": x, "y": y[0]},
         "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
         "options": {"legend": {"displayMode": "table", "placement": "bottom", "calcs": ["mean", "max"]}} if kind == "timeseries" else {},
         "targets": [{"datasource": PROM, "refId": chr(65 + i), "expr": e, "legendFormat": l}
                     for i, (e, l) in enumerate(targets)]}
    if stack:
        p["fieldConfig"]["defaults"]["custom"] = {"stacking": {"mode": "normal"}, "fillOpacity": 30}
    panels.append(p)
    slot[0] = x + w
    if slot[0] >= 24:
        slot[0] = 0
        y[0] += h

def newrow(title):
    if slot[0] != 0:
        y[0] += 8
        slot[0] = 0
    row(title)

newrow("Pipeline health")
ts("Events/s by type", [(f'sum by (event_type) (rate(eveflow_input_events_total{{{SEL}}}[{RI}]))', "{{event_type}}")], "ops", stack=True,
   desc="Parsed EVE objects per second by event_type, all inputs.")
ts("Input bytes/s", [(f'sum by (input) (rate(eveflow_input_bytes_total{{{SEL}}}[{RI}]))', "{{input}}")], "Bps")
ts("Malformed input/s", [(f'sum by (input, reason) (rate(eveflow_input_malformed_total{{{SEL}}}[{RI}]))', "{{input}} {{reason}}")], "ops")
ts("Drops/s", [
    (f'sum by (input) (rate(eveflow_input_dropped_total{{{SEL}}}[{RI}]))', "input {{input}}"),
    (f'sum by (sink) (rate(eveflow_sink_dropped_total{{{SEL}}}[{RI}]))', "sink {{sink}}"),
    (f'sum by (source) (rate(eveflow_pcap_kernel_dropped_total{{{SEL}}}[{RI}]) + rate(eveflow_pcap_if_dropped_total{{{SEL}}}[{RI}]))', "kernel/if {{source}}"),
], "ops", desc="Events dropped at full queues (on_full: drop), records dropped by sinks, packets lost before capture.")
ts("Queue fill", [(f'max by (queue) (eveflow_queue_length{{{SEL}}} / eveflow_queue_capacity{{{SEL}}})', "{{queue}}")], "percentunit")
ts("Event lag", [(f'max by (instance) (eveflow_event_lag_seconds{{{SEL}}})', "{{instance}}")], "s",
   desc="Wall clock minus the event time of the latest event: how far behind the sensor eveflow is.")
ts("Sink errors/s", [
    (f'sum by (sink, kind) (rate(eveflow_sink_errors_total{{{SEL}}}[{RI}]))', "{{sink}} {{kind}}"),
    (f'sum by (sink) (rate(eveflow_sink_retries_total{{{SEL}}}[{RI}]))', "{{sink}} retries"),
], "ops")
ts("Sink records/s", [(f'sum by (sink) (rate(eveflow_sink_records_total{{{SEL}}}[{RI}]))', "{{sink}}")], "ops")
ts("Forwarded events/s by rule", [(f'sum by (rule) (rate(eveflow_forward_events_total{{{SEL}}}[{RI}]))', "{{rule}}")], "ops")
ts("Sinks up", [(f'min by (sink) (eveflow_sink_up{{{SEL}}})', "{{sink}}")], "none", kind="stat")
ts("Sink batch latency p99", [(f'histogram_quantile(0.99, sum by (sink, le) (rate(eveflow_sink_batch_seconds_bucket{{{SEL}}}[{RI}])))', "{{sink}}")], "s")
ts("Aggregation", [
    (f'sum(eveflow_aggregate_open_keys{{{SEL}}})', "open keys"),
    (f'sum by (handler) (rate(eveflow_aggregate_records_total{{{SEL}}}[{RI}]))', "records/s {{handler}}"),
    (f'sum(rate(eveflow_late_events_total{{{SEL}}}[{RI}]))', "late events/s"),
], "short")
ts("Window flush p99", [(f'histogram_quantile(0.99, sum by (le) (rate(eveflow_window_flush_seconds_bucket{{{SEL}}}[{RI}])))', "p99")], "s")
ts("Packet meter", [
    (f'sum by (source) (rate(eveflow_pcap_packets_total{{{SEL}}}[{RI}]))', "packets/s {{source}}"),
    (f'sum(eveflow_flows_active{{{SEL}}})', "active flows"),
    (f'sum by (reason) (rate(eveflow_flows_expired_total{{{SEL}}}[{RI}]))', "expired/s {{reason}}"),
    (f'sum(rate(eveflow_flows_evicted_total{{{SEL}}}[{RI}]))', "evicted/s"),
], "short")
ts("CPU", [(f'rate(process_cpu_seconds_total{{job="eveflow",{SEL}}}[{RI}])', "{{instance}}")], "percentunit")
ts("Memory", [(f'process_resident_memory_bytes{{job="eveflow",{SEL}}}', "RSS {{instance}}")], "bytes")

newrow("Traffic")
ts("Flows/s by app_proto", [(f'sum by (app_proto) (rate(eveflow_traffic_flows_total{{{SEL}}}[{RI}]))', "{{app_proto}}")], "ops", w=12, stack=True,
   desc="The top app_protos by bytes have their own label; the rest are 'other'.")
ts("Bytes/s by app_proto", [(f'sum by (app_proto) (rate(eveflow_traffic_bytes_total{{{SEL}}}[{RI}]))', "{{app_proto}}")], "Bps", w=12, stack=True)
ts("Bytes/s by proto and direction", [(f'sum by (proto, direction) (rate(eveflow_traffic_bytes_total{{{SEL}}}[{RI}]))', "{{proto}} {{direction}}")], "Bps")
ts("Packets/s by proto", [(f'sum by (proto) (rate(eveflow_traffic_packets_total{{{SEL}}}[{RI}]))', "{{proto}}")], "pps")
ts("Alerts/s by severity", [(f'sum by (severity) (rate(eveflow_alerts_total{{{SEL}}}[{RI}]))', "severity {{severity}}")], "ops")
ts("Top ports by bytes (time range)", [(f'topk(10, sum by (proto, dest_port) (increase(eveflow_traffic_port_bytes_total{{{SEL}}}[$__range])))', "{{proto}}/{{dest_port}}")],
   "bytes", w=12, kind="bargauge")
ts("Flows/s by port", [(f'sum by (proto, dest_port) (rate(eveflow_traffic_port_flows_total{{{SEL}}}[{RI}]))', "{{proto}}/{{dest_port}}")], "ops", w=12)

newrow("Top talkers (PostgreSQL flow_aggregate)")
sql = """SELECT host(src_ip) AS source, host(dest_ip) AS destination, dest_port AS port, proto,
       sum(flows) AS flows, sum(bytes_toserver) AS bytes_out, sum(bytes_toclient) AS bytes_in,
       sum(bytes_toserver + bytes_toclient) AS bytes
FROM flow_aggregate
WHERE $__timeFilter(window_start)
  AND ('${sensor_id}' = '' OR sensor_id = '${sensor_id}')
GROUP BY src_ip, dest_ip, dest_port, proto
ORDER BY bytes DESC
LIMIT 25"""
panels.append({"type": "table", "title": "Top talkers by bytes", "id": nid(), "datasource": PG,
               "description": "From the flow_aggregate table written by the postgres output.",
               "gridPos": {"h": 10, "w": 24, "x": 0, "y": y[0]},
               "fieldConfig": {"defaults": {}, "overrides": [
                   {"matcher": {"id": "byRegexp", "options": "bytes.*"}, "properties": [{"id": "unit", "value": "bytes"}]}]},
               "targets": [{"datasource": PG, "refId": "A", "format": "table", "rawQuery": True, "editorMode": "code", "rawSql": sql}]})

dash = {
    "uid": "eveflow", "title": "eveflow", "tags": ["eveflow", "suricata"], "timezone": "utc",
    "schemaVersion": 37, "version": 1, "editable": True, "refresh": "30s",
    "time": {"from": "now-6h", "to": "now"},
    "annotations": {"list": []},
    "templating": {"list": [
        {"name": "instance", "label": "instance", "type": "query", "datasource": PROM,
         "query": {"query": "label_values(eveflow_build_info, instance)", "refId": "instance"},
         "definition": "label_values(eveflow_build_info, instance)",
         "includeAll": True, "multi": True, "allValue": ".*", "refresh": 2,
         "current": {"text": "All", "value": "$__all"}},
        {"name": "sensor_id", "label": "sensor_id (top talkers)", "type": "textbox", "query": "",
         "current": {"text": "", "value": ""}},
    ]},
    "panels": panels,
}
print(json.dumps(dash, indent=2))
