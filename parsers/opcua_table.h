/* parsers/opcua_table.h: the generated row type of the OPC UA status table (build/gen). */
#ifndef FL_OPCUA_TABLE_H
#define FL_OPCUA_TABLE_H
#include <stdint.h>
struct fl_opcua_row {
    const char *name;
    uint32_t hex;
    const char *desc;
};
extern const struct fl_opcua_row fl_opcua_rows[];
extern const unsigned fl_opcua_n_rows;
#endif
