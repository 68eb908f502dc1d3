eveflow_add_test(flow_aggregate SOURCES processing/flow_aggregate_test.cc
    DEPS eveflow_processing_flow_aggregate LABELS unit)
eveflow_add_test(flow_aggregate_config SOURCES processing/flow_aggregate_config_test.cc
    DEPS eveflow_processing_flow_aggregate LABELS unit)
eveflow_add_test(flow_aggregate_dns_names SOURCES processing/flow_aggregate_dns_names_test.cc
    DEPS eveflow_processing_flow_aggregate LABELS unit)
