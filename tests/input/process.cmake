# Tests of process visibility (input/process/).
eveflow_add_test(process_socket_table SOURCES input/process_socket_table_test.cc DEPS eveflow_input_process LABELS unit)

# Real processes in a network namespace of its own, capture on its `lo` (root; exit 77 = skipped
# with the reason printed): the eBPF backend, the forced fallback, and eveflow without CAP_BPF.
if(TARGET eveflow)
    foreach(mode ebpf fallback nocaps)
        add_test(NAME process_visibility_${mode}
                 COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/input/process_visibility_test.py
                         $<TARGET_FILE:eveflow> ${mode})
        set_tests_properties(process_visibility_${mode} PROPERTIES LABELS e2e SKIP_RETURN_CODE 77
                             TIMEOUT 180 ENVIRONMENT "TZ=UTC;LC_ALL=C")
    endforeach()
endif()
