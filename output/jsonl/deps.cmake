# Completed files of a rotating jsonl output are compressed with libzstd or zlib.
set(COMPONENT_DEPS PkgConfig::ZSTD PkgConfig::ZLIB)
