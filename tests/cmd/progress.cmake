eveflow_add_test(progress SOURCES cmd/progress_test.cc ../cmd/eveflow/progress.cc
    DEPS eveflow_util LABELS unit)
