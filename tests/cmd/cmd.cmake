eveflow_add_test(pipeline_config SOURCES cmd/pipeline_config_test.cc DEPS eveflow_app LABELS unit)
add_test(NAME deploy_config COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cmd/deploy_config.sh
    $<TARGET_FILE:eveflow> ${PROJECT_SOURCE_DIR})
set_tests_properties(deploy_config PROPERTIES LABELS unit)
add_test(NAME cli_config COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cmd/cli_config.sh
    $<TARGET_FILE:eveflow>)
set_tests_properties(cli_config PROPERTIES LABELS unit)
add_test(NAME run_summary COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cmd/run_summary.sh
    $<TARGET_FILE:eveflow> ${EVEFLOW_SHARED_DATA})
set_tests_properties(run_summary PROPERTIES LABELS e2e SKIP_RETURN_CODE 77)
# Flow lifecycle records: the plan's routes and a pipeline run with a sink of the test's own.
eveflow_add_test(flow_lifecycle SOURCES cmd/flow_lifecycle_test.cc DEPS eveflow_app LABELS unit)
add_test(NAME enrich_config COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cmd/enrich_config.sh
    $<TARGET_FILE:eveflow>)
set_tests_properties(enrich_config PROPERTIES LABELS unit)
