# Country and AS lookups: libloc (IPFire's location database) and libmaxminddb; the EVE dns
# reader for names seen in DNS.
set(COMPONENT_DEPS PkgConfig::LOC PkgConfig::MAXMINDDB eveflow_processing_dns)
