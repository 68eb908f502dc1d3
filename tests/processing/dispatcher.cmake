eveflow_add_test(dispatcher SOURCES processing/dispatcher_test.cc
    DEPS eveflow_processing eveflow_output LABELS unit)
