/* tests/fuzz/fuzz_ftdiag.c: libFuzzer target: arbitrary bytes through the ftdiag path. */
#define FUZZ_SOURCE "ftdiag"
#include "fuzz_stream.h"
