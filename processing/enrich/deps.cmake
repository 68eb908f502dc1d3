# Country and AS lookups: libloc (IPFire's location database) and libmaxminddb; reverse DNS:
# c-ares; the EVE dns reader for names seen in DNS.
set(COMPONENT_DEPS PkgConfig::LOC PkgConfig::MAXMINDDB PkgConfig::CARES eveflow_processing_dns)
