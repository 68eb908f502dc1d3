# kmock: the 3-broker librdkafka mock cluster over TCP that the Kafka tests and scripts start.
add_executable(kmock tools/kmock.c)
target_link_libraries(kmock PRIVATE PkgConfig::RDKAFKA)
