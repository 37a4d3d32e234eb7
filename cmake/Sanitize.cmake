# Sanitizer and fuzzing builds (included before any target is defined, so
# that every target -- library areas, CLI, tests -- is built the same way).
#
#   -DNETLAB_SANITIZE=ON  ASan + UBSan (+ LeakSanitizer, on with ASan), any
#                         compiler; UBSan findings abort the test.
#   -DNETLAB_FUZZ=ON      libFuzzer targets in tests/fuzz (cmake/Fuzz.cmake);
#                         needs clang (CMAKE_CXX_COMPILER=clang++). Every
#                         target is compiled with libFuzzer's coverage
#                         instrumentation, so one build serves both.
#
# CI (scripts/test.sh) configures both in build-asan with clang at -O1:
# sanitizers need no -O2 to find bugs, and the cold build is what bounds CI.
option(NETLAB_SANITIZE "Build everything with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
option(NETLAB_FUZZ "Build the libFuzzer targets of tests/fuzz (clang only)" OFF)

if(NETLAB_FUZZ AND NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "NETLAB_FUZZ needs clang: configure with -DCMAKE_CXX_COMPILER=clang++ "
                      "(Debian packages clang and libclang-rt-14-dev)")
endif()

if(NETLAB_SANITIZE OR NETLAB_FUZZ)
  set(netlab_sanitizers address,undefined)
  if(NETLAB_FUZZ)
    # Coverage feedback for the fuzzer in all code; only the fuzz targets
    # link libFuzzer's main (-fsanitize=fuzzer, in cmake/Fuzz.cmake).
    set(netlab_sanitizers fuzzer-no-link,${netlab_sanitizers})
  endif()
  # -fno-sanitize-recover: a UBSan finding ends the process (a test fails)
  # instead of printing a line nobody reads.
  add_compile_options(-fsanitize=${netlab_sanitizers} -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=${netlab_sanitizers} -fno-sanitize-recover=undefined)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    # File:line in reports at a fraction of -g's compile time.
    add_compile_options(-gline-tables-only)
  else()
    add_compile_options(-g1)
  endif()
endif()
