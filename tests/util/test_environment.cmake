eveflow_add_test(test_environment SOURCES util/test_environment_test.cc LABELS unit)
