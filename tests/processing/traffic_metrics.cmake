eveflow_add_test(traffic_metrics SOURCES processing/traffic_metrics_test.cc
    DEPS eveflow_processing_traffic_metrics LABELS unit)
