eveflow_add_test(jsonl_sink SOURCES output/jsonl_sink_test.cc
    DEPS eveflow_output_jsonl LABELS unit)
eveflow_add_test(jsonl_rotation SOURCES output/jsonl_rotation_test.cc
    DEPS eveflow_output_jsonl LABELS unit)
if(TARGET eveflow)
    add_test(NAME e2e_jsonl_rotate COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/output/jsonl_rotate_e2e.sh
             $<TARGET_FILE:eveflow> ${EVEFLOW_SHARED_DATA})
    set_tests_properties(e2e_jsonl_rotate PROPERTIES LABELS e2e SKIP_RETURN_CODE 77 TIMEOUT 120)
endif()
