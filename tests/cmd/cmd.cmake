eveflow_add_test(pipeline_config SOURCES cmd/pipeline_config_test.cc DEPS eveflow_app LABELS unit)
add_test(NAME deploy_config COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cmd/deploy_config.sh
    $<TARGET_FILE:eveflow> ${PROJECT_SOURCE_DIR})
set_tests_properties(deploy_config PROPERTIES LABELS unit)
