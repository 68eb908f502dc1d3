-- The aggregate table as eveflow's jsonl records, one JSON object a line, for compare.py.
SELECT json_build_object('event_type', 'flow_aggregate',
  'window_start', to_char(window_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
  'window_end', to_char(window_end AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
  'sensor_id', sensor_id, 'src_ip', host(src_ip), 'dest_ip', host(dest_ip),
  'dest_port', dest_port, 'proto', proto, 'flows', flows, 'src_ports', src_ports,
  'pkts_toserver', pkts_toserver, 'pkts_toclient', pkts_toclient,
  'bytes_toserver', bytes_toserver, 'bytes_toclient', bytes_toclient,
  'first_seen', to_char(first_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
  'last_seen', to_char(last_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
FROM flow_aggregate;
