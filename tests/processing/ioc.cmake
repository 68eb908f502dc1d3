eveflow_add_test(ioc_list SOURCES processing/ioc_list_test.cc
    DEPS eveflow_processing_ioc LABELS unit)
eveflow_add_test(ioc SOURCES processing/ioc_test.cc
    DEPS eveflow_processing eveflow_input_eve LABELS unit)
eveflow_add_test(alert_context SOURCES processing/alert_context_test.cc
    DEPS eveflow_processing eveflow_input_eve LABELS unit)
