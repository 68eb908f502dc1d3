eveflow_add_bench(traffic_metrics SOURCES traffic_metrics_bench.cc
    DEPS eveflow_processing_traffic_metrics)
