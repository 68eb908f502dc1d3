eveflow_add_test(eve_parser SOURCES input/eve_parser_test.cc DEPS eveflow_input_eve LABELS unit)
eveflow_add_test(eve_parser_strict SOURCES input/eve_parser_strict_test.cc DEPS eveflow_input_eve
    LABELS unit)
eveflow_add_test(eve_batcher SOURCES input/eve_batcher_test.cc DEPS eveflow_input_eve LABELS unit)
eveflow_add_test(eve_real_data SOURCES input/eve_real_data_test.cc DEPS eveflow_input_eve LABELS unit)
eveflow_add_test(eve_file SOURCES input/eve_file_test.cc DEPS eveflow_input_eve_file LABELS unit)
eveflow_add_test(eve_socket SOURCES input/eve_socket_test.cc DEPS eveflow_input_eve_socket LABELS integration)
