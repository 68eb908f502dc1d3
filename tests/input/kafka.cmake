eveflow_add_test(kafka_source SOURCES input/kafka_source_test.cc
                 DEPS eveflow_input_kafka eveflow_output_postgres
                 LABELS integration)
if(TARGET kafka_source_test)
    add_dependencies(kafka_source_test kmock)
endif()
