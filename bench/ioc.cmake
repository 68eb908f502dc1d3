eveflow_add_bench(ioc SOURCES ioc_bench.cc
    DEPS eveflow_processing eveflow_input_eve)
