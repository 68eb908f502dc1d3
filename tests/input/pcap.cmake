# Tests of the pcap flow meter (input/pcap/).
eveflow_add_test(pcap_ground_truth SOURCES input/pcap_ground_truth_test.cc DEPS eveflow_input_pcap yaml-cpp LABELS unit)
eveflow_add_test(pcap_decoder SOURCES input/pcap_decoder_test.cc DEPS eveflow_input_pcap yaml-cpp simdjson::simdjson LABELS unit)
eveflow_add_test(pcap_flow_table SOURCES input/pcap_flow_table_test.cc DEPS eveflow_input_pcap yaml-cpp simdjson::simdjson LABELS unit)
eveflow_add_test(pcap_source SOURCES input/pcap_source_test.cc DEPS eveflow_input_pcap yaml-cpp simdjson::simdjson LABELS unit)

# The meter as a small program (live test, benchmark): pcap_meter_tool OUT.jsonl 'YAML section'
add_executable(pcap_meter_tool input/pcap_meter_tool.cc)
target_include_directories(pcap_meter_tool PRIVATE ${PROJECT_SOURCE_DIR})
target_link_libraries(pcap_meter_tool PRIVATE eveflow_input_pcap yaml-cpp)

# Live capture in two network namespaces (root; exit 77 = skipped with the reason printed).
add_test(NAME pcap_live
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/input/pcap_live_test.py
                 $<TARGET_FILE:pcap_meter_tool> 1)
set_tests_properties(pcap_live PROPERTIES LABELS integration SKIP_RETURN_CODE 77 TIMEOUT 120
                     ENVIRONMENT "TZ=UTC;LC_ALL=C")
if(TARGET eveflow)
    add_test(NAME pcap_live_eveflow
             COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/input/pcap_live_test.py
                     $<TARGET_FILE:eveflow> 1)
    set_tests_properties(pcap_live_eveflow PROPERTIES LABELS e2e SKIP_RETURN_CODE 77 TIMEOUT 120
                         ENVIRONMENT "TZ=UTC;LC_ALL=C")
endif()

# Decoder fuzzing: a bounded deterministic run in every build (meaningful under
# EVEFLOW_SANITIZE=address,undefined) and, with EVEFLOW_FUZZ (clang), the libFuzzer target:
#   ./pcap_decoder_fuzz -max_total_time=60 corpus/
eveflow_add_test(pcap_decoder_fuzz_smoke
    SOURCES input/pcap_decoder_fuzz_smoke.cc input/pcap_decoder_fuzz.cc
    DEPS eveflow_input_pcap yaml-cpp simdjson::simdjson LABELS unit)
if(EVEFLOW_FUZZ)
    add_executable(pcap_decoder_fuzz input/pcap_decoder_fuzz.cc)
    target_include_directories(pcap_decoder_fuzz PRIVATE ${PROJECT_SOURCE_DIR})
    target_compile_options(pcap_decoder_fuzz PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_options(pcap_decoder_fuzz PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_libraries(pcap_decoder_fuzz PRIVATE eveflow_input_pcap)
endif()

# The same ground truth through the eveflow binary and its CLI flags.
if(TARGET eveflow)
    add_test(NAME pcap_cli_ground_truth
             COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/input/pcap_cli_test.py
                     $<TARGET_FILE:eveflow> ${EVEFLOW_SHARED_DATA})
    set_tests_properties(pcap_cli_ground_truth PROPERTIES LABELS e2e SKIP_RETURN_CODE 77
                         TIMEOUT 600 ENVIRONMENT "TZ=UTC;LC_ALL=C")
endif()

# Interim updates, flow ids and lifecycle signals of the meter.
eveflow_add_test(pcap_updates SOURCES input/pcap_updates_test.cc DEPS eveflow_input_pcap yaml-cpp LABELS unit)

# Live snapshot length from the interface's MTU; lengths of frames cut at it.
eveflow_add_test(pcap_snaplen SOURCES input/pcap_snaplen_test.cc DEPS eveflow_input_pcap yaml-cpp LABELS unit)
if(TARGET eveflow)
    add_test(NAME pcap_snaplen_live
             COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/input/pcap_snaplen_live_test.py
                     $<TARGET_FILE:eveflow>)
    set_tests_properties(pcap_snaplen_live PROPERTIES LABELS e2e SKIP_RETURN_CODE 77 TIMEOUT 120
                         ENVIRONMENT "TZ=UTC;LC_ALL=C")
endif()
# Meter workers: the flow hash that picks a packet's worker.
eveflow_add_test(pcap_flow_hash SOURCES input/pcap_flow_hash_test.cc DEPS eveflow_input_pcap LABELS unit)
eveflow_add_test(pcap_workers SOURCES input/pcap_workers_test.cc DEPS eveflow_input_pcap yaml-cpp LABELS unit)

# The live capture test again with two meter workers.
add_test(NAME pcap_live_workers2
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/input/pcap_live_test.py
                 $<TARGET_FILE:pcap_meter_tool> 2)
set_tests_properties(pcap_live_workers2 PROPERTIES LABELS integration SKIP_RETURN_CODE 77
                     TIMEOUT 120 ENVIRONMENT "TZ=UTC;LC_ALL=C")
if(TARGET eveflow)
    add_test(NAME pcap_live_eveflow_workers2
             COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/input/pcap_live_test.py
                     $<TARGET_FILE:eveflow> 2)
    set_tests_properties(pcap_live_eveflow_workers2 PROPERTIES LABELS e2e SKIP_RETURN_CODE 77
                         TIMEOUT 120 ENVIRONMENT "TZ=UTC;LC_ALL=C")
endif()
# Names seen in DNS: the meter's DNS wire parser on hand-built messages, a bounded
# deterministic fuzz run in every build and, with EVEFLOW_FUZZ (clang), the libFuzzer target:
#   ./dns_wire_fuzz -max_total_time=60 corpus/   (seeds: tests/data/dns_wire)
eveflow_add_test(pcap_dns_wire SOURCES input/pcap_dns_wire_test.cc DEPS eveflow_input_pcap LABELS unit)
eveflow_add_test(dns_wire_fuzz_smoke
    SOURCES input/dns_wire_fuzz_smoke.cc fuzz/dns_wire_fuzz.cc
    DEPS eveflow_input_pcap LABELS unit)
eveflow_add_fuzz_target(dns_wire_fuzz fuzz/dns_wire_fuzz.cc eveflow_input_pcap)

# Flow slots that stay put; expiry and the end-of-input flush in bounded batches.
eveflow_add_test(pcap_flush SOURCES input/pcap_flush_test.cc DEPS eveflow_input_pcap yaml-cpp LABELS unit)

# Records read in place from a mapped capture file, against libpcap; and its fuzz target:
#   ./mapped_pcap_fuzz -max_total_time=60 corpus/
eveflow_add_test(pcap_mapped SOURCES input/pcap_mapped_test.cc DEPS eveflow_input_pcap yaml-cpp simdjson::simdjson LABELS unit)
eveflow_add_test(mapped_pcap_fuzz_smoke
    SOURCES input/mapped_pcap_fuzz_smoke.cc fuzz/mapped_pcap_fuzz.cc
    DEPS eveflow_input_pcap LABELS unit)
eveflow_add_fuzz_target(mapped_pcap_fuzz fuzz/mapped_pcap_fuzz.cc eveflow_input_pcap)
