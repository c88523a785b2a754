# ic_enclave_image(NAME n SRCS a.c ... [OUTPUT_NAME f] [COMPILE_OPTIONS ...]
#                  [LINK_OPTIONS ...] [NO_DEFAULT_LINK] [HOSTED])
#
# Builds a sim enclave image (docs/sim-platform.md, "Enclave images"): an
# x86-64 shared object compiled freestanding, without libc or imports, bound
# now, its ELF entry the exported function enclave_entry. The result is
# <OUTPUT_NAME or NAME>.so in the target's library output directory
# (default ${CMAKE_CURRENT_BINARY_DIR}).
# Tests build malformed images with: NO_DEFAULT_LINK (no -z now and no
# --no-undefined), HOSTED (an ordinary shared object linked with libc).
function(ic_enclave_image)
  cmake_parse_arguments(IC "NO_DEFAULT_LINK;HOSTED" "NAME;OUTPUT_NAME" "SRCS;LINK_OPTIONS;COMPILE_OPTIONS" ${ARGN})
  add_library(${IC_NAME} MODULE ${IC_SRCS})
  set(out ${IC_NAME})
  if(IC_OUTPUT_NAME)
    set(out ${IC_OUTPUT_NAME})
  endif()
  set_target_properties(${IC_NAME} PROPERTIES PREFIX "" OUTPUT_NAME ${out} SUFFIX ".so" LINKER_LANGUAGE C)
  target_include_directories(${IC_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/src)
  if(NOT IC_HOSTED)
    target_compile_options(${IC_NAME} PRIVATE -ffreestanding -fPIC -fno-stack-protector -fno-plt
      -fno-asynchronous-unwind-tables -fcf-protection=none ${IC_COMPILE_OPTIONS})
    target_link_options(${IC_NAME} PRIVATE -nostdlib -Wl,-e,enclave_entry -Wl,-z,noexecstack
      -Wl,-z,separate-code -Wl,-z,max-page-size=4096)
  endif()
  if(NOT IC_NO_DEFAULT_LINK)
    target_link_options(${IC_NAME} PRIVATE -Wl,-z,now -Wl,--no-undefined)
  endif()
  if(IC_LINK_OPTIONS)
    target_link_options(${IC_NAME} PRIVATE ${IC_LINK_OPTIONS})
  endif()
endfunction()
