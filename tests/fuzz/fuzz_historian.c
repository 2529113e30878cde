/* tests/fuzz/fuzz_historian.c: libFuzzer target: arbitrary bytes through the historian path. */
#define FUZZ_SOURCE "historian"
#include "fuzz_stream.h"
