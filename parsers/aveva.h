/* parsers/aveva.h: what the tailer needs of an .aaLOG besides its records: its place in the
 * logger's file chain (formats/aveva.md §2.1 and §2.4).
 *
 * The records themselves go through the registry (fl_parser_aveva). A live .aaLOG's header
 * carries the message number of its first record and its record count; a closed file's
 * header+16 points at a trailer naming the next file. Numbers continue across files without
 * gaps, so first + count of one file is the first number of the next: a difference means
 * records (files) are missing. */
#ifndef FL_AVEVA_H
#define FL_AVEVA_H

#include <stdbool.h>
#include <stdint.h>

struct fl_aveva_chain {
    uint64_t first_msgno;  /* message number of the file's first record */
    uint32_t count;        /* records in the file (header; may lag while it is written) */
    bool is_closed;        /* the logger moved on: header+16 points at the trailer */
    uint32_t records_end;  /* closed: where the records end (the trailer's offset) */
    char next_name[800];   /* the trailer's file name (UTF-8), "" when open or unreadable */
};

/* Reads the header (and the trailer of a closed file) of the .aaLOG open at fd with pread:
 * 0; FL_EAGAIN when the header is not complete yet; FL_EUNPARSED when fd is no .aaLOG (an
 * .aaLGX export, a text file). Re-read on each poll of the file being written. */
int fl_aveva_chain_read(int fd, struct fl_aveva_chain *out);

#endif
