set(PLUGIN_DEPS eveflow_input_eve PkgConfig::RDKAFKA)
