/* tests/fuzz/fuzz_winccoa.c: libFuzzer target: arbitrary bytes through the winccoa path. */
#define FUZZ_SOURCE "winccoa"
#include "fuzz_stream.h"
