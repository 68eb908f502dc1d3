eveflow_add_test(unix_socket_sink SOURCES output/unix_socket_sink_test.cc
    DEPS eveflow_output_unix_socket LABELS unit)
