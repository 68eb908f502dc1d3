eveflow_add_test(dns_event SOURCES processing/dns_event_test.cc
    DEPS eveflow_processing_dns LABELS unit)
eveflow_add_test(dns_config SOURCES processing/dns_config_test.cc
    DEPS eveflow_processing_dns LABELS unit)
# dns_aggregate and pdns over every real EVE file with DNS and the v3 fixtures, against a
# reference written in Python.
add_test(NAME e2e_dns_handlers
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/processing/dns_e2e.sh $<TARGET_FILE:eveflow>
            ${PROJECT_SOURCE_DIR} ${EVEFLOW_SHARED_DATA})
set_tests_properties(e2e_dns_handlers PROPERTIES LABELS e2e SKIP_RETURN_CODE 77 TIMEOUT 600)
eveflow_add_test(dns_handlers SOURCES processing/dns_handlers_test.cc
    DEPS eveflow_processing_dns eveflow_input_eve LABELS unit)
# DNS reader fuzzing: a bounded deterministic run in every build (meaningful under
# -DEVEFLOW_SANITIZE=address,undefined), and with -DEVEFLOW_FUZZ=ON (clang) a libFuzzer target:
#   ./dns_event_fuzz -max_total_time=60 corpus/
eveflow_add_test(dns_event_fuzz_smoke
    SOURCES processing/dns_event_fuzz_smoke.cc fuzz/dns_event_fuzz.cc
    DEPS eveflow_processing_dns LABELS unit)
eveflow_add_fuzz_target(dns_event_fuzz fuzz/dns_event_fuzz.cc eveflow_processing_dns)
# Names seen in DNS: EVE dns answers of each layout into the shared name table.
eveflow_add_test(dns_names_enricher SOURCES processing/dns_names_enricher_test.cc
    DEPS eveflow_processing_enrich eveflow_input_eve LABELS unit)
