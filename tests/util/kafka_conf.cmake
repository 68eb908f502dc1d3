eveflow_add_test(kafka_conf SOURCES util/kafka_conf_test.cc DEPS eveflow_util LABELS unit)
