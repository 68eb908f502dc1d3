eveflow_add_test(dispatcher SOURCES processing/dispatcher_test.cc
    DEPS eveflow_processing eveflow_output LABELS unit)
eveflow_add_test(source_progress SOURCES processing/source_progress_test.cc
    DEPS eveflow_processing eveflow_processing_flow_aggregate LABELS unit)
