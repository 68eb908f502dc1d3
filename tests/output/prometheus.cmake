eveflow_add_test(prometheus SOURCES output/prometheus_test.cc DEPS eveflow_output_prometheus
    LABELS unit)
eveflow_add_test(prometheus_integration SOURCES output/prometheus_integration_test.cc
    DEPS eveflow_output_prometheus eveflow_processing_traffic_metrics LABELS integration)

# Deploy files: promtool on the Prometheus config and rules; the dashboard's structure; every
# PromQL expression of the dashboard and rules evaluated by the Prometheus test server.
set(_deploy ${PROJECT_SOURCE_DIR}/deploy)
add_test(NAME prometheus_deploy_check
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/output/prometheus_deploy_check.sh ${PROJECT_SOURCE_DIR})
set_tests_properties(prometheus_deploy_check PROPERTIES LABELS unit)
add_test(NAME prometheus_dashboard_structure
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/output/prometheus_dashboard.py
        ${_deploy}/grafana/eveflow-dashboard.json ${_deploy}/grafana/provisioning
        ${_deploy}/prometheus/eveflow.rules.yml --structure-only)
set_tests_properties(prometheus_dashboard_structure PROPERTIES LABELS unit)
add_test(NAME prometheus_dashboard_queries
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/output/prometheus_dashboard.py
        ${_deploy}/grafana/eveflow-dashboard.json ${_deploy}/grafana/provisioning
        ${_deploy}/prometheus/eveflow.rules.yml)
set_tests_properties(prometheus_dashboard_queries PROPERTIES LABELS integration
    SKIP_RETURN_CODE 77)

# The binary fed the shared EVE files through its socket, scraped by the test Prometheus.
add_test(NAME prometheus_e2e COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/output/prometheus_e2e.sh
    $<TARGET_FILE:eveflow> ${EVEFLOW_SHARED_DATA})
set_tests_properties(prometheus_e2e PROPERTIES LABELS e2e SKIP_RETURN_CODE 77 TIMEOUT 300)
