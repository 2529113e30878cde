/* tests/fuzz/fuzz_ignition.c: libFuzzer target: arbitrary bytes through the ignition path. */
#define FUZZ_SOURCE "ignition"
#include "fuzz_stream.h"
