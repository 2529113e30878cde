/* tests/fuzz/fuzz_aveva.c: libFuzzer target: arbitrary bytes through the aveva path. */
#define FUZZ_SOURCE "aveva"
#include "fuzz_stream.h"
