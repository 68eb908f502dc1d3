eveflow_add_test(timestamp SOURCES types/timestamp_test.cc DEPS eveflow_types LABELS unit)
eveflow_add_test(ip_addr SOURCES types/ip_addr_test.cc DEPS eveflow_types LABELS unit)
eveflow_add_test(record SOURCES types/record_test.cc DEPS eveflow_types LABELS unit)
eveflow_add_test(community_id SOURCES types/community_id_test.cc DEPS eveflow_types LABELS unit)
