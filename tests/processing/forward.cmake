eveflow_add_test(forward SOURCES processing/forward_test.cc
    DEPS eveflow_processing_forward LABELS unit)
