/* tests/fuzz/fuzz_kepware.c: libFuzzer target: arbitrary bytes through the kepware path. */
#define FUZZ_SOURCE "kepware"
#include "fuzz_stream.h"
