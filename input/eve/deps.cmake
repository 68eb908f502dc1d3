set(PLUGIN_DEPS simdjson::simdjson)
# simdjson 3.0's on-demand parser only runs its compile-time kernel (see EVEFLOW_SIMD_FLAGS).
set(PLUGIN_OPTIONS ${EVEFLOW_SIMD_FLAGS})
