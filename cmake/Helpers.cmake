# Declarative target helpers, in the spirit of abseil's absl_cc_library().
#
#   ic_cc_library(NAME foo SRCS a.cc b.cc DEPS ic::common PUBLIC_DEPS ...)
#     -> static library target ic_foo with alias ic::foo; include root is src/.
#   ic_cc_binary(NAME rune SRCS main.cc DEPS ic::runtime)
#   ic_cc_test(NAME foo_test SRCS foo_test.cc DEPS ic::foo [LABELS root] [PREFIX p.])
#     -> gtest executable registered through gtest_discover_tests. Tests with
#        the label "root" skip themselves when not run as root; ctest reports
#        them as skipped through SKIP_REGULAR_EXPRESSION.

set(IC_SOURCE_ROOT ${PROJECT_SOURCE_DIR}/src)

function(ic_cc_library)
  cmake_parse_arguments(IC "" "NAME" "SRCS;DEPS;PUBLIC_DEPS" ${ARGN})
  add_library(ic_${IC_NAME} STATIC ${IC_SRCS})
  add_library(ic::${IC_NAME} ALIAS ic_${IC_NAME})
  target_include_directories(ic_${IC_NAME} PUBLIC ${IC_SOURCE_ROOT})
  target_link_libraries(ic_${IC_NAME} PRIVATE ${IC_DEPS} PUBLIC ${IC_PUBLIC_DEPS})
endfunction()

function(ic_cc_binary)
  cmake_parse_arguments(IC "" "NAME;OUTPUT_NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${IC_NAME} ${IC_SRCS})
  target_include_directories(${IC_NAME} PRIVATE ${IC_SOURCE_ROOT})
  target_link_libraries(${IC_NAME} PRIVATE ${IC_DEPS})
  if(IC_OUTPUT_NAME)
    set_target_properties(${IC_NAME} PROPERTIES OUTPUT_NAME ${IC_OUTPUT_NAME})
  endif()
endfunction()

function(ic_cc_test)
  if(NOT IC_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(IC "" "NAME;PREFIX" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${IC_NAME} ${IC_SRCS})
  target_include_directories(${IC_NAME} PRIVATE ${IC_SOURCE_ROOT} ${PROJECT_SOURCE_DIR})
  target_link_libraries(${IC_NAME} PRIVATE ${IC_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  set(props SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]")
  if(IC_LABELS)
    list(APPEND props LABELS "${IC_LABELS}")
  endif()
  gtest_discover_tests(${IC_NAME} DISCOVERY_TIMEOUT 60 TEST_PREFIX "${IC_PREFIX}" PROPERTIES ${props})
endfunction()
