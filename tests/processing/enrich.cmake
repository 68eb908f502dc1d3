eveflow_add_test(enrich_nets SOURCES processing/enrich_nets_test.cc
    DEPS eveflow_processing_enrich LABELS unit)
