// libFuzzer's driver entry (compiler-rt, linked by -sanitize=fuzzer) and the per-target callback each fuzz
// executable defines with @_cdecl("LLVMFuzzerTestOneInput").
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*UserCb)(const uint8_t *Data, size_t Size));
int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size);
