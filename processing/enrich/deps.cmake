# Country and AS lookups: libloc (IPFire's location database) and libmaxminddb; reverse DNS: c-ares.
set(COMPONENT_DEPS PkgConfig::LOC PkgConfig::MAXMINDDB PkgConfig::CARES)
