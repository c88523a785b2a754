// Self-test of driver.cc: a target that fails only on inputs the driver can
// reach through mutation alone (no seed files): at least 3 bytes, the first
// set to 0x7f, the last to 0xff. The ctest case passes only when that message
// appears, so it breaks if the driver stops running mutated inputs.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size >= 3 && data[0] == 0x7f && data[size - 1] == 0xff) {
    std::fprintf(stderr, "fuzz-smoke selftest: reached the failing input (%zu bytes)\n", size);
    std::_Exit(1);
  }
  return 0;
}
