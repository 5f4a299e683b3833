/*
 * The libFuzzer entry point, compiled once per harness with
 * -DMSC_FUZZ_TARGET=<function from fuzz_harness.h>.
 */
#include <stddef.h>
#include <stdint.h>


#include "fuzz_harness.h"
#include "mscmeta/mscmeta.h"

#ifndef MSC_FUZZ_TARGET
#error "define MSC_FUZZ_TARGET"
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    msc_init(); /* as main() does: GSL returns errors, never aborts */
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return MSC_FUZZ_TARGET(data, size);
}
