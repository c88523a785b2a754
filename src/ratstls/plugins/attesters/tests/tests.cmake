# Unit tests of the attester plugins (included from plugins/sgx_stub, after
# every attester target exists). The sim tests run a private SIMULATED SGX
# platform: `sgx-tools sim init` into a temp dir and aesmd-sim on a temp
# socket; they use the stub enclave from the build tree's plugin directory.
set(ATT_TEST_DIR ${CMAKE_CURRENT_LIST_DIR})
ic_cc_test(NAME ratstls_attesters_test
  SRCS ${ATT_TEST_DIR}/attesters_test.cc ${ATT_TEST_DIR}/sim_attesters_test.cc
  DEPS ratstls_attester_nullattester ratstls_attester_sgx_ecdsa ratstls_attester_sgx_la
       ratstls_attester_tdx_ecdsa ratstls_plugin_common ic::sgx ic::common)
if(TARGET ratstls_attesters_test)
  add_dependencies(ratstls_attesters_test ratstls_sgx_stub_signed sgx-tools aesmd-sim)
  target_include_directories(ratstls_attesters_test PRIVATE ${RATSTLS_INCLUDE_DIR})
  target_compile_definitions(ratstls_attesters_test PRIVATE
    ATT_PLUGIN_DIR="${RATSTLS_PLUGIN_OUT}"
    ATT_SGX_TOOLS="$<TARGET_FILE:sgx-tools>"
    ATT_AESMD_SIM="$<TARGET_FILE:aesmd-sim>")
endif()
