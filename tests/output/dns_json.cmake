eveflow_add_test(dns_json SOURCES output/dns_json_test.cc DEPS eveflow_output_format LABELS unit)
