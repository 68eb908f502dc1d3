eveflow_add_test(pipeline_config SOURCES cmd/pipeline_config_test.cc DEPS eveflow_app LABELS unit)
eveflow_add_test(dispatcher SOURCES cmd/dispatcher_test.cc DEPS eveflow_processing eveflow_output LABELS unit)
