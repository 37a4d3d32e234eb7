# libFuzzer targets (-DNETLAB_FUZZ=ON, see cmake/Sanitize.cmake): one per
# file tests/fuzz/fuzz_<target>.cpp, linked against the library areas it
# reads (NETLAB_FUZZ_AREAS_<target>) and libFuzzer's main.
# scripts/fuzz.sh runs them on their corpora in tests/fuzz/corpus/<target>/.
if(NOT NETLAB_FUZZ)
  return()
endif()

set(NETLAB_FUZZ_AREAS_topology parse model)
set(NETLAB_FUZZ_AREAS_topology_codec parse model)
set(NETLAB_FUZZ_AREAS_ovsdb ovs)
set(NETLAB_FUZZ_AREAS_netlink kernel)

file(GLOB fuzz_srcs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/fuzz/fuzz_*.cpp)
set(NETLAB_FUZZ_TARGETS "")
foreach(src ${fuzz_srcs})
  get_filename_component(fname ${src} NAME_WE)
  string(REGEX REPLACE "^fuzz_" "" target ${fname})
  add_executable(${fname} ${src})
  set(closure "")
  foreach(a ${NETLAB_FUZZ_AREAS_${target}})
    list(APPEND closure ${NETLAB_CLOSURE_${a}})
  endforeach()
  list(REMOVE_DUPLICATES closure)
  foreach(c ${closure})
    target_link_libraries(${fname} PRIVATE netlab_${c})
  endforeach()
  target_include_directories(${fname} PRIVATE ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/src)
  target_link_options(${fname} PRIVATE -fsanitize=fuzzer)
  list(APPEND NETLAB_FUZZ_TARGETS ${fname})
endforeach()
