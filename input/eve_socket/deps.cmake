set(PLUGIN_DEPS eveflow_input_eve)
