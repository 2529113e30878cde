/* tests/tools/gen_logs.c: deterministic generator of realistic vendor logs for `make bench`
 * and the ingest tests (large test data is generated, never committed).
 *
 *   gen_logs ignition LINES [SEED]   wrapper.log: L1 prefix + logback bodies, ~2% of records
 *                                     stack traces (TAB frames, Caused by, ... N more), a few
 *                                     percent OPC UA faults as Milo prints them
 *   gen_logs kepware LINES [SEED]    event-log rows, European layout, with header
 *
 * Output on stdout. Same seed, same bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state;
static uint32_t rnd(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng_state >> 33);
}

static const char *const ign_loggers[] = {
    "t.h.q.PartitionManager", "S.S.TagHistoryDatasourceSink", "T.P.Config",
    "o.e.m.o.s.c.s.UascClientMessageHandler", "c.i.i.g.o.OpcUaConnection",
    "g.CompositeClassRejectListFilter", "c.i.i.g.l.s.SingleConnectionDatasource",
    "DeviceManager", "gateway.Router", "c.i.i.x.g.opcua.ua.OpcUaSubscriptionManager",
};
static const char *const ign_msgs[] = {
    "Ignition Created Tag history partition sqlt_data_1_20210314",
    "Error storing tag values.",
    "Scheduled backup of internal database completed in 412ms",
    "Connection to device 'PLC_Line4' established.",
    "Starting up module 'com.inductiveautomation.opcua'",
    "Alarm journal 'Journal' flushed 35 events",
    "Tag group 'Default' executed 120 tags in 3 ms",
    "Project 'Line4_HMI' resources updated: 3 changed",
};
static const char *const ign_faults[] = {
    "Exception caught; sent ErrorMessage{error=StatusCode{name=Bad_SecurityChecksFailed, "
    "value=0x80130000, quality=bad}, reason=status=Bad_SecurityChecksFailed, description=An "
    "error occurred verifying security.}",
    "UaException: status=Bad_ConnectionRejected, message=io.netty.channel.AbstractChannel$"
    "AnnotatedConnectException: Connection refused: /10.20.4.17:49320",
    "UaException: requestId=288 timed out after 30000ms",
    "UaException: connection closed",
    "UaException: status=Bad_SecurityChecksFailed, message=Certificate is not trusted.",
};
static const char *const ign_mdc[] = {
    "", "", "", " tag-provider=default", " connection-name=Kepware_Line4",
};

static void gen_ignition(long lines)
{
    long written = 0;
    long t = 1615711765; /* 2021-03-14 08:49:25 */
    while (written < lines) {
        t += rnd() % 3;
        long s = t % 86400, d = t / 86400;
        /* civil date from days (Hinnant) */
        long z = d + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
        unsigned doe = (unsigned)(z - era * 146097);
        unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        long y = (long)yoe + era * 400;
        unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        unsigned mp = (5 * doy + 2) / 153, dd = doy - (153 * mp + 2) / 5 + 1;
        unsigned mm = mp < 10 ? mp + 3 : mp - 9;
        y += mm <= 2;
        char prefix[64];
        snprintf(prefix, sizeof prefix, "INFO   | jvm 1    | %04ld/%02u/%02u %02ld:%02ld:%02ld | ", y,
                 mm, dd, s / 3600, s / 60 % 60, s % 60);
        unsigned r = rnd() % 1000;
        const char *logger = ign_loggers[rnd() % (sizeof ign_loggers / sizeof ign_loggers[0])];
        char lvl = "IIIIIIWWED"[rnd() % 10];
        char body_time[16];
        snprintf(body_time, sizeof body_time, "%02ld:%02ld:%02ld.%03u", (s / 3600 + 23) % 24,
                 s / 60 % 60, s % 60, rnd() % 1000);
        if (r < 40) { /* OPC UA fault */
            printf("%sE [%-30s] [%s]: %s\n", prefix, "o.e.m.o.s.c.t.u.UascClientAcknowledgeHandler",
                   body_time, ign_faults[rnd() % (sizeof ign_faults / sizeof ign_faults[0])]);
            written++;
        } else if (r < 60) { /* stack trace */
            printf("%sE [%-30s] [%s]: Error executing scheduled task%s\n", prefix, logger,
                   body_time, ign_mdc[rnd() % 5]);
            printf("%sjava.sql.SQLException: Connection is locked. Datasource only allows one "
                   "connection at a time.\n", prefix);
            unsigned frames = 5 + rnd() % 10;
            for (unsigned f = 0; f < frames; f++)
                printf("%s\tat com.inductiveautomation.ignition.gateway.localdb.sqlite."
                       "SingleConnectionDatasource.getConnection(SingleConnectionDatasource.java:%u)\n",
                       prefix, 40 + f);
            printf("%sCaused by: java.lang.IllegalStateException: locked\n", prefix);
            printf("%s\t... %u common frames omitted\n", prefix, frames);
            written += frames + 3;
        } else {
            printf("%s%c [%-30s] [%s]: %s%s\n", prefix, lvl, logger, body_time,
                   ign_msgs[rnd() % (sizeof ign_msgs / sizeof ign_msgs[0])], ign_mdc[rnd() % 5]);
            written++;
        }
    }
}

static const char *const kep_rows[] = {
    "Warning OPC DA Client Write request timeout on device '800xA_Slow.Storage'.",
    "Warning OPC DA Client 800xA_Slow.Storage | Unable to write to address on device. | Address = "
    "'Applications.ST01.Units.Unit_MS06.P40BU06:MES.erp_stock_qty'.",
    "Information KEPServerEX\\Runtime Runtime project replaced.",
    "Security KEPServerEX\\Runtime Configuration session started by LEMTON00 as Default User (R/W).",
    "Error OPC UA Client Channel failed to connect. | Status description = 'An error occurred "
    "verifying security.', Status code = 0x80130000.",
    "Warning Licensing Feature OPC UA Client is time limited and will expire at 12-07-2018 10:00.",
    "Information Data Logger Plug-in Starting 'Data Logger' plug-in",
};

static void gen_kepware(long lines)
{
    printf("Date Time Level Source Event\r\n");
    long t = 1528421539;
    for (long i = 1; i < lines; i++) {
        t += rnd() % 5;
        long s = t % 86400, d = t / 86400;
        long z = d + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
        unsigned doe = (unsigned)(z - era * 146097);
        unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        long y = (long)yoe + era * 400;
        unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        unsigned mp = (5 * doy + 2) / 153, dd = doy - (153 * mp + 2) / 5 + 1;
        unsigned mm = mp < 10 ? mp + 3 : mp - 9;
        y += mm <= 2;
        printf("%02u-%02u-%04ld %02ld:%02ld:%02ld %s\r\n", dd, mm, y, s / 3600, s / 60 % 60,
               s % 60, kep_rows[rnd() % (sizeof kep_rows / sizeof kep_rows[0])]);
    }
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: gen_logs ignition|kepware LINES [SEED]\n");
        return 2;
    }
    long lines = strtol(argv[2], NULL, 10);
    rng_state = argc > 3 ? strtoull(argv[3], NULL, 10) : 42;
    static char obuf[1 << 20];
    setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
    if (strcmp(argv[1], "ignition") == 0)
        gen_ignition(lines);
    else if (strcmp(argv[1], "kepware") == 0)
        gen_kepware(lines);
    else {
        fprintf(stderr, "gen_logs: unknown source '%s'\n", argv[1]);
        return 2;
    }
    return fflush(stdout) == 0 ? 0 : 1;
}
