# The meter links libpcap and nDPI 4.2.
set(COMPONENT_DEPS PkgConfig::PCAP PkgConfig::NDPI eveflow_input_process)
