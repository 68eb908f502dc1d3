# Flow meter micro-benchmarks; bench/pcap_meter.sh is the end-to-end comparison with peers.
eveflow_add_bench(pcap_meter SOURCES pcap_meter_bench.cc DEPS eveflow_input_pcap)
