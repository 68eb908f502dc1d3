# End-to-end tests of the eveflow binary (label e2e); exit code 77 means skipped.
add_test(NAME e2e_eve_files
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/eve_files.sh $<TARGET_FILE:eveflow> ${EVEFLOW_SHARED_DATA})
set_tests_properties(e2e_eve_files PROPERTIES LABELS e2e SKIP_RETURN_CODE 77 TIMEOUT 900)
add_test(NAME e2e_socket_writers COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/socket.sh $<TARGET_FILE:eveflow>)
set_tests_properties(e2e_socket_writers PROPERTIES LABELS e2e TIMEOUT 300)
add_test(NAME e2e_forward COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/forward.sh $<TARGET_FILE:eveflow>)
set_tests_properties(e2e_forward PROPERTIES LABELS e2e TIMEOUT 300)
# The bytes of every output over the shared data equal the digests of an earlier build.
add_test(NAME e2e_same_output
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/same_output.sh $<TARGET_FILE:eveflow> ${EVEFLOW_SHARED_DATA}
            ${CMAKE_CURRENT_SOURCE_DIR}/e2e/same_output.golden)
set_tests_properties(e2e_same_output PROPERTIES LABELS e2e SKIP_RETURN_CODE 77 TIMEOUT 600)
# SIGTERM with idle, busy and mid-line writers connected: prompt, nothing lost; socket activation.
add_test(NAME e2e_socket_stop COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/socket_stop.sh $<TARGET_FILE:eveflow>)
set_tests_properties(e2e_socket_stop PROPERTIES LABELS e2e TIMEOUT 300)
# No silent coercion: bad protos and counters are malformed, escapes decoded, sums saturate.
add_test(NAME e2e_strict_input
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/strict_input.sh $<TARGET_FILE:eveflow>)
set_tests_properties(e2e_strict_input PROPERTIES LABELS e2e TIMEOUT 120)
# Outputs are never clobbered: failed starts, a second instance, two outputs on one file, full disks.
add_test(NAME e2e_outputs_safe
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/outputs_safe.sh $<TARGET_FILE:eveflow>)
set_tests_properties(e2e_outputs_safe PROPERTIES LABELS e2e TIMEOUT 120)
# --follow with --state-dir: restarts (SIGTERM), rotations and a truncation neither re-read nor
# skip events; the first run waits for a path that does not exist yet.
add_test(NAME e2e_follow_restart
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/follow_restart.sh $<TARGET_FILE:eveflow> ${EVEFLOW_SHARED_DATA})
set_tests_properties(e2e_follow_restart PROPERTIES LABELS e2e SKIP_RETURN_CODE 77 TIMEOUT 120)
# A capture file aggregated with default settings gives no late records (the meter's progress).
add_test(NAME e2e_pcap_no_late
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/pcap_no_late.sh $<TARGET_FILE:eveflow> ${EVEFLOW_SHARED_DATA})
set_tests_properties(e2e_pcap_no_late PROPERTIES LABELS e2e SKIP_RETURN_CODE 77 TIMEOUT 600)
# The redis input against a real redis-server: lpush, rpush and channel modes; kill -9 and a
# restart lose nothing in list mode.
add_test(NAME e2e_redis_input
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/redis_input.sh $<TARGET_FILE:eveflow> ${EVEFLOW_SHARED_DATA})
set_tests_properties(e2e_redis_input PROPERTIES LABELS e2e SKIP_RETURN_CODE 77 TIMEOUT 300
                     RESOURCE_LOCK redis)
# --follow with a PostgreSQL output: kill -9 at random points and restarts give totals in
# PostgreSQL equal to the reference (the position is stored with the aggregates).
add_test(NAME e2e_follow_pg_kill
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/follow_pg_kill.sh $<TARGET_FILE:eveflow> ${EVEFLOW_SHARED_DATA})
set_tests_properties(e2e_follow_pg_kill PROPERTIES LABELS e2e SKIP_RETURN_CODE 77 TIMEOUT 300)
# Interim flow updates: each window's sums equal those of its packets, against a per-packet
# reference over the shared captures and a generated minutes-long TCP transfer (dpkt, scapy).
add_test(NAME e2e_flow_updates
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/e2e/flow_updates.py $<TARGET_FILE:eveflow> ${EVEFLOW_SHARED_DATA})
set_tests_properties(e2e_flow_updates PROPERTIES LABELS e2e SKIP_RETURN_CODE 77 TIMEOUT 600
                     ENVIRONMENT "TZ=UTC;LC_ALL=C")
# IoC matching over the shared EVE files against an independent reference (Python json).
add_test(NAME e2e_ioc
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/ioc.sh $<TARGET_FILE:eveflow> ${EVEFLOW_SHARED_DATA})
set_tests_properties(e2e_ioc PROPERTIES LABELS e2e SKIP_RETURN_CODE 77 TIMEOUT 600)
# IoC lists replaced while events flow, and SIGHUP: matches switch at one event, none lost or doubled.
add_test(NAME e2e_ioc_reload COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/ioc_reload.sh $<TARGET_FILE:eveflow>)
set_tests_properties(e2e_ioc_reload PROPERTIES LABELS e2e TIMEOUT 120)
# alert_context over the shared EVE files with alerts, default and tight bounds, against a reference.
add_test(NAME e2e_alert_context
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/alert_context.sh $<TARGET_FILE:eveflow> ${EVEFLOW_SHARED_DATA})
set_tests_properties(e2e_alert_context PROPERTIES LABELS e2e SKIP_RETURN_CODE 77 TIMEOUT 600)
# home_direction and src_net/dest_net over the shared EVE files against Python's ipaddress.
add_test(NAME e2e_enrich_nets
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/enrich_nets.sh $<TARGET_FILE:eveflow> ${EVEFLOW_SHARED_DATA})
set_tests_properties(e2e_enrich_nets PROPERTIES LABELS e2e SKIP_RETURN_CODE 77 TIMEOUT 600)
# Country and AS from libloc (python3-location) and from a MaxMind DB file the test writes.
add_test(NAME e2e_enrich_geo
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/enrich_geo.sh $<TARGET_FILE:eveflow> ${EVEFLOW_SHARED_DATA})
set_tests_properties(e2e_enrich_geo PROPERTIES LABELS e2e SKIP_RETURN_CODE 77 TIMEOUT 600)
# Names seen in DNS: EVE dns answers and the meter's own view against dns_names_reference.py.
add_test(NAME e2e_enrich_dns_names
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/enrich_dns_names.sh $<TARGET_FILE:eveflow> ${EVEFLOW_SHARED_DATA})
set_tests_properties(e2e_enrich_dns_names PROPERTIES LABELS e2e SKIP_RETURN_CODE 77 TIMEOUT 600)
# Community ID: forwarded EVE events (enrich.community_id) and meter flow records.
add_test(NAME e2e_enrich_community_id
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/enrich_community_id.sh $<TARGET_FILE:eveflow> ${EVEFLOW_SHARED_DATA})
set_tests_properties(e2e_enrich_community_id PROPERTIES LABELS e2e TIMEOUT 600)
# Flow lifecycle into a real redis-server through the binary: per flow HSET at insert, one per
# update, one HDEL, checked from MONITOR; the insert policy; a server restart mid-run; the plan.
add_test(NAME e2e_lifecycle_redis
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/e2e/lifecycle_redis.py $<TARGET_FILE:eveflow> ${EVEFLOW_SHARED_DATA})
set_tests_properties(e2e_lifecycle_redis PROPERTIES LABELS e2e SKIP_RETURN_CODE 77 TIMEOUT 120
                     RESOURCE_LOCK redis)
# PostgreSQL live table through the binary: after a capture file flow_live is empty and flow_log
# holds each flow of --flows-jsonl once, with its final counters.
add_test(NAME e2e_lifecycle_pg
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/e2e/lifecycle_pg.py $<TARGET_FILE:eveflow> ${EVEFLOW_SHARED_DATA} capture)
set_tests_properties(e2e_lifecycle_pg PROPERTIES LABELS e2e SKIP_RETURN_CODE 77 TIMEOUT 120)
# Live capture on a veth pair into a network namespace: a long TCP connection's flow_live row
# grows at each update interval, then leaves for flow_log once the connection closes.
add_test(NAME e2e_lifecycle_live
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/e2e/lifecycle_pg.py $<TARGET_FILE:eveflow> ${EVEFLOW_SHARED_DATA} live)
set_tests_properties(e2e_lifecycle_live PROPERTIES LABELS e2e SKIP_RETURN_CODE 77 TIMEOUT 120)
# Reverse DNS (enrich.rdns) against dnsmasq with PTR records, NXDOMAIN and a silent server.
add_test(NAME e2e_enrich_rdns
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/enrich_rdns.sh $<TARGET_FILE:eveflow>)
set_tests_properties(e2e_enrich_rdns PROPERTIES LABELS e2e SKIP_RETURN_CODE 77 TIMEOUT 300)

# Meter workers: flow records and aggregates of every shared capture equal with 1, 2, 3 workers.
add_test(NAME e2e_pcap_workers
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/e2e/pcap_workers.py $<TARGET_FILE:eveflow> ${EVEFLOW_SHARED_DATA})
set_tests_properties(e2e_pcap_workers PROPERTIES LABELS e2e SKIP_RETURN_CODE 77 TIMEOUT 600
                     ENVIRONMENT "TZ=UTC;LC_ALL=C")
