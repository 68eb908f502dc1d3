# libFuzzer target for the EVE line parser; only with -DEVEFLOW_FUZZ=ON and clang
# (see tests/fuzz/run.sh, which also turns on ASan+UBSan).
if(EVEFLOW_FUZZ)
    if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
        message(WARNING "EVEFLOW_FUZZ needs clang (CXX=clang++-14); fuzz targets not built")
    else()
        add_executable(eve_line_fuzz fuzz/eve_line_fuzz.cc)
        target_include_directories(eve_line_fuzz PRIVATE ${PROJECT_SOURCE_DIR})
        target_link_libraries(eve_line_fuzz PRIVATE eveflow_input_eve eveflow_output_postgres)
        target_compile_options(eve_line_fuzz PRIVATE -fsanitize=fuzzer)
        target_link_options(eve_line_fuzz PRIVATE -fsanitize=fuzzer)
        # Coverage feedback from the code under test, not only from the target.
        foreach(lib eveflow_input_eve eveflow_types eveflow_output_postgres)
            target_compile_options(${lib} PRIVATE -fsanitize=fuzzer-no-link)
        endforeach()
    endif()
endif()
