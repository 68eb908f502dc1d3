set(PLUGIN_DEPS simdjson::simdjson)
