# CPack: the Debian package `eveflow` (scripts/package.sh builds it). Depends come from
# dpkg-shlibdeps (dpkg-dev) on the installed binary; the maintainer scripts in deploy/debian/
# create the user eveflow and /var/lib/eveflow, and enable the units where systemd runs.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME eveflow)
set(CPACK_PACKAGE_VENDOR eveflow)
set(CPACK_PACKAGE_CONTACT "eveflow maintainers <eveflow@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Suricata EVE flow aggregation and forwarding daemon")
set(CPACK_PACKAGE_DESCRIPTION
    "eveflow reads Suricata EVE-JSON (unix socket, files, stdin, Kafka) or meters flows with
libpcap and nDPI, aggregates flows over event-time windows, forwards chosen raw events, and
writes JSON lines, PostgreSQL and Kafka, with Prometheus metrics.")
# The same prefix as `cmake --install`, so /etc and /lib/systemd paths match the binary's.
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser | passwd")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "logrotate")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "suricata, postgresql, prometheus")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_CURRENT_SOURCE_DIR}/debian/conffiles ${CMAKE_CURRENT_SOURCE_DIR}/debian/postinst
    ${CMAKE_CURRENT_SOURCE_DIR}/debian/prerm ${CMAKE_CURRENT_SOURCE_DIR}/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
if(NOT CMAKE_INSTALL_PREFIX STREQUAL "/usr")
    message(STATUS "CPack: the Debian package needs -DCMAKE_INSTALL_PREFIX=/usr (scripts/package.sh)")
endif()
include(CPack)
