/* tests/fuzz/fuzz_aveva_chain.c: libFuzzer target: arbitrary bytes as an .aaLOG's header and
 * trailer through fl_aveva_chain_read (what the tailer reads to follow the file chain). The
 * next file's name must come back NUL-terminated inside its buffer, whatever the offsets. */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "parsers/aveva.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("aalog", 0);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) == (ssize_t)size) {
        struct fl_aveva_chain c;
        if (fl_aveva_chain_read(fd, &c) == 0 &&
            memchr(c.next_name, 0, sizeof c.next_name) == NULL)
            __builtin_trap();
    }
    close(fd);
    return 0;
}
