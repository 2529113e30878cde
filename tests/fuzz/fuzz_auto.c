/* tests/fuzz/fuzz_auto.c: libFuzzer target: arbitrary bytes through the auto path. */
#define FUZZ_SOURCE "auto"
#include "fuzz_stream.h"
