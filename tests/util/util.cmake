eveflow_add_test(channel SOURCES util/channel_test.cc DEPS eveflow_util LABELS unit)
eveflow_add_test(config_node SOURCES util/config_node_test.cc DEPS eveflow_util LABELS unit)
eveflow_add_test(stats SOURCES util/stats_test.cc DEPS eveflow_util LABELS unit)
eveflow_add_test(json_writer SOURCES util/json_writer_test.cc DEPS eveflow_util LABELS unit)
