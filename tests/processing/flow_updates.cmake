# The aggregation and traffic metrics of the meter's interim updates (meter + handlers).
eveflow_add_test(flow_updates SOURCES processing/flow_updates_test.cc
    DEPS eveflow_input_pcap eveflow_processing_flow_aggregate eveflow_processing_traffic_metrics
         yaml-cpp LABELS unit)
