# Country and AS lookups: libloc (IPFire's location database) and libmaxminddb.
set(COMPONENT_DEPS PkgConfig::LOC PkgConfig::MAXMINDDB)
