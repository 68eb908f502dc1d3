# The meter links libpcap and nDPI 4.2.
set(PLUGIN_DEPS PkgConfig::PCAP PkgConfig::NDPI)
