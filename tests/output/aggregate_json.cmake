eveflow_add_test(aggregate_json SOURCES output/aggregate_json_test.cc DEPS eveflow_output_format
    LABELS unit)
