# core.cmake: digests (SHA-256, folder Merkle digests), the stat cache and ignore patterns.
# Included from src/core/CMakeLists.txt after runnel_core is defined.
target_sources(runnel_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/sha256.cc
  ${CMAKE_CURRENT_LIST_DIR}/digest.cc
  ${CMAKE_CURRENT_LIST_DIR}/stat_cache.cc
  ${CMAKE_CURRENT_LIST_DIR}/ignore.cc
  ${CMAKE_CURRENT_LIST_DIR}/units.cc)

runnel_add_test(core_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/sha256_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/digest_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/stat_cache_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/ignore_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/units_test.cc
  DEPS runnel_core)
