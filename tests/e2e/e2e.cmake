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
# home_direction and src_net/dest_net over the shared EVE files against Python's ipaddress.
add_test(NAME e2e_enrich_nets
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/enrich_nets.sh $<TARGET_FILE:eveflow> ${EVEFLOW_SHARED_DATA})
set_tests_properties(e2e_enrich_nets PROPERTIES LABELS e2e SKIP_RETURN_CODE 77 TIMEOUT 600)
# Country and AS from libloc (python3-location) and from a MaxMind DB file the test writes.
add_test(NAME e2e_enrich_geo
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/enrich_geo.sh $<TARGET_FILE:eveflow> ${EVEFLOW_SHARED_DATA})
set_tests_properties(e2e_enrich_geo PROPERTIES LABELS e2e SKIP_RETURN_CODE 77 TIMEOUT 600)
# Community ID: forwarded EVE events (enrich.community_id) and meter flow records.
add_test(NAME e2e_enrich_community_id
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/enrich_community_id.sh $<TARGET_FILE:eveflow> ${EVEFLOW_SHARED_DATA})
set_tests_properties(e2e_enrich_community_id PROPERTIES LABELS e2e TIMEOUT 600)
