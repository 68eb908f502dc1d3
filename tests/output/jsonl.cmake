eveflow_add_test(jsonl_sink SOURCES output/jsonl_sink_test.cc
    DEPS eveflow_output_jsonl LABELS unit)
eveflow_add_test(jsonl_rotation SOURCES output/jsonl_rotation_test.cc
    DEPS eveflow_output_jsonl LABELS unit)
