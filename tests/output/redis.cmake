eveflow_add_test(redis_config SOURCES output/redis_config_test.cc
    DEPS eveflow_output eveflow_input LABELS unit)
eveflow_add_test(redis_sink SOURCES output/redis_sink_test.cc
    DEPS eveflow_output eveflow_util_redis LABELS integration LOCK redis)
