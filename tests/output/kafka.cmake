eveflow_add_test(kafka_sink SOURCES output/kafka_sink_test.cc DEPS eveflow_output_kafka
                 LABELS integration)
if(TARGET kafka_sink_test)
    add_dependencies(kafka_sink_test kmock)
endif()
if(TARGET eveflow)
    add_test(NAME e2e_kafka COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/output/kafka_e2e.sh
             $<TARGET_FILE:eveflow> $<TARGET_FILE:kmock> ${EVEFLOW_SHARED_DATA})
    set_tests_properties(e2e_kafka PROPERTIES LABELS e2e SKIP_RETURN_CODE 77 TIMEOUT 600)
endif()
if(TARGET eveflow)
    add_test(NAME e2e_kafka_group COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/output/kafka_group_e2e.sh
             $<TARGET_FILE:eveflow> $<TARGET_FILE:kmock> ${EVEFLOW_SHARED_DATA})
    set_tests_properties(e2e_kafka_group PROPERTIES LABELS e2e SKIP_RETURN_CODE 77 TIMEOUT 600)
endif()
# written= counts only what the Kafka and PostgreSQL outputs delivered.
if(TARGET eveflow)
    add_test(NAME e2e_sink_written COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/output/sink_written_e2e.sh
             $<TARGET_FILE:eveflow> $<TARGET_FILE:kmock> ${EVEFLOW_SHARED_DATA})
    set_tests_properties(e2e_sink_written PROPERTIES LABELS e2e SKIP_RETURN_CODE 77 TIMEOUT 300)
endif()
