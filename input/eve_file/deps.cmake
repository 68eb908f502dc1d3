set(COMPONENT_DEPS eveflow_input_eve)
