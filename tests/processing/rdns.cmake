eveflow_add_test(rdns SOURCES processing/rdns_test.cc DEPS eveflow_processing_enrich LABELS unit)
