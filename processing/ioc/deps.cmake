set(COMPONENT_DEPS simdjson::simdjson)
