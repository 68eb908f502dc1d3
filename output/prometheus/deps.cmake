# Prometheus exporter: prometheus-cpp's HTTP exposer; library versions for eveflow_build_info
# come from the build's package lookups, so only input/pcap/ and */kafka/ include those headers.
set(COMPONENT_DEPS prometheus-cpp::pull prometheus-cpp::core)
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/build_info.cc PROPERTIES COMPILE_DEFINITIONS
    "EVEFLOW_BUILD_VERSION=\"${PROJECT_VERSION}\";EVEFLOW_NDPI_VERSION=\"${NDPI_VERSION}\";EVEFLOW_SIMDJSON_VERSION=\"${simdjson_VERSION}\";EVEFLOW_RDKAFKA_VERSION=\"${RDKAFKA_VERSION}\"")
