eveflow_add_test(postgres SOURCES output/postgres_test.cc output/postgres_jsonb_order_test.cc
    DEPS eveflow_output_postgres simdjson::simdjson LABELS unit)
eveflow_add_test(postgres_buffer SOURCES output/postgres_buffer_test.cc
    DEPS eveflow_output_postgres LABELS unit)
eveflow_add_test(postgres_integration
    SOURCES output/postgres_integration_test.cc output/postgres_outage_test.cc
        output/postgres_merge_test.cc
        output/postgres_eve_test.cc output/postgres_parallel_test.cc
        output/postgres_offsets_test.cc
    DEPS eveflow_output_postgres eveflow_input_eve eveflow_processing_flow_aggregate
    LABELS integration)
eveflow_add_test(postgres_live_unit SOURCES output/postgres_live_unit_test.cc
    DEPS eveflow_output_postgres LABELS unit)
eveflow_add_test(postgres_live SOURCES output/postgres_live_test.cc
        output/postgres_live_log_test.cc
    DEPS eveflow_output_postgres LABELS integration)
# dns_aggregate and pdns partials (late records, a restart) merged exactly in PostgreSQL.
add_test(NAME postgres_dns_e2e
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/output/postgres_dns_e2e.sh $<TARGET_FILE:eveflow>
            ${PROJECT_SOURCE_DIR} ${EVEFLOW_SHARED_DATA})
set_tests_properties(postgres_dns_e2e PROPERTIES LABELS integration SKIP_RETURN_CODE 77 TIMEOUT 600)
