# libpqxx 6.4 (pkg-config), and libpq itself: config.cc parses DSNs with PQconninfoParse.
set(COMPONENT_DEPS PkgConfig::PQXX pq)
