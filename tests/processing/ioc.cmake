eveflow_add_test(ioc_list SOURCES processing/ioc_list_test.cc
    DEPS eveflow_processing_ioc LABELS unit)
eveflow_add_test(ioc SOURCES processing/ioc_test.cc
    DEPS eveflow_processing eveflow_input_eve LABELS unit)
eveflow_add_test(alert_context SOURCES processing/alert_context_test.cc
    DEPS eveflow_processing eveflow_input_eve LABELS unit)
# List parser fuzzing: a bounded deterministic run in every build and, with EVEFLOW_FUZZ
# (clang), the libFuzzer target: ./ioc_list_fuzz -max_total_time=60
eveflow_add_test(ioc_list_fuzz_smoke
    SOURCES processing/ioc_list_fuzz_smoke.cc fuzz/ioc_list_fuzz.cc
    DEPS eveflow_processing_ioc LABELS unit)
if(EVEFLOW_FUZZ)
    add_executable(ioc_list_fuzz fuzz/ioc_list_fuzz.cc)
    target_include_directories(ioc_list_fuzz PRIVATE ${PROJECT_SOURCE_DIR})
    target_compile_options(ioc_list_fuzz PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_options(ioc_list_fuzz PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_libraries(ioc_list_fuzz PRIVATE eveflow_processing_ioc)
endif()
