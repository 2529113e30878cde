/* tests/tools/gen_logs.c: deterministic generator of realistic vendor logs for `make bench`
 * and the ingest tests (large test data is generated, never committed).
 *
 *   gen_logs ignition LINES [SEED]   wrapper.log: L1 prefix + logback bodies, ~2% of records
 *                                     stack traces (TAB frames, Caused by, ... N more), a few
 *                                     percent OPC UA faults as Milo prints them
 *   gen_logs kepware LINES [SEED]    event-log rows, European layout, with header
 *   gen_logs winccoa LINES [SEED]    PVSS_II.log records, ~3% with a continuation line
 *   gen_logs historian LINES [SEED]  HDA server trace lines (M/D/YYYY h:mm:ss AM|PM)
 *   gen_logs ftdiag LINES [SEED]     Diagnostics Viewer TSV export with a header row
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

/* Civil date-time of unix seconds t (no libc time zone functions). */
static void civil(long t, long *y, unsigned *mo, unsigned *d, long *sec_of_day)
{
    long s = t % 86400, days = t / 86400;
    long z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long yy = (long)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153, dd = doy - (153 * mp + 2) / 5 + 1;
    unsigned mm = mp < 10 ? mp + 3 : mp - 9;
    *y = yy + (mm <= 2);
    *mo = mm;
    *d = dd;
    *sec_of_day = s;
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
        long y, s;
        unsigned mm, dd;
        civil(t, &y, &mm, &dd, &s);
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
        long y, s;
        unsigned mm, dd;
        civil(t, &y, &mm, &dd, &s);
        printf("%02u-%02u-%04ld %02ld:%02ld:%02ld %s\r\n", dd, mm, y, s / 3600, s / 60 % 60,
               s % 60, kep_rows[rnd() % (sizeof kep_rows / sizeof kep_rows[0])]);
    }
}


static const char *const wcc_rows[] = {
    "SYS,  INFO,        1, Manager Start, WCCOActrl",
    "CTRL, INFO,        2/tfProjectGlobal, Global project registration completed successfully.",
    "PARAM, SEVERE,     54, Unexpected state, Could not register the project Squirt",
    "SYS,  WARNING,    23, No connection to the driver, S7 connection PLC_LINE4 lost",
    "REDU, INFO,       17, Redundancy switchover, host2 is now active",
    "IMPL, WARNING,    42, Alive timeout expired, closing connection to manager 7",
};

static void gen_winccoa(long lines)
{
    long t = 1789372593, written = 0;
    while (written < lines) {
        t += rnd() % 2;
        long y, s;
        unsigned mo, d;
        civil(t, &y, &mo, &d, &s);
        printf("WCCOActrl    (%u), %04ld.%02u.%02u %02ld:%02ld:%02ld.%03u, %s\n", rnd() % 4, y, mo, d,
               s / 3600, s / 60 % 60, s % 60, rnd() % 1000,
               wcc_rows[rnd() % (sizeof wcc_rows / sizeof wcc_rows[0])]);
        written++;
        if (rnd() % 100 < 3 && written < lines) {
            printf("\tvoid ProjEnvErrorHandler::severe(const string &msg, int code = 54) at "
                   "classes/projectEnvironment/ProjEnvErrorHandler.ctl:68\n");
            written++;
        }
    }
}

static const char *const hist_rows[] = {
    "HDA Client Disconnected",
    "HDA Client is connecting",
    "Connected to Historian server : [10.20.4.30]",
    "HDA Client Connected",
    "HDA Address Space Created",
    "Collector LINE4_OPC lost connection to data source",
};

static void gen_historian(long lines)
{
    long t = 1239035371;
    for (long i = 0; i < lines; i++) {
        t += rnd() % 3;
        long y, s;
        unsigned mo, d;
        civil(t, &y, &mo, &d, &s);
        long h = s / 3600;
        printf("%u/%u/%04ld %ld:%02ld:%02ld %s %s\n", mo, d, y, h % 12 ? h % 12 : 12, s / 60 % 60,
               s % 60, h < 12 ? "AM" : "PM",
               hist_rows[rnd() % (sizeof hist_rows / sizeof hist_rows[0])]);
    }
}

static const char *const ft_rows[] = {
    "Error\tOperator\tConnection to Controller CLX has been lost\tHMI01\tFactoryTalk Alarms and "
    "Events\tPLANT\\operator1\tLine Operator",
    "Warning\tEngineer\tHMI server is in grace mode\tHMISRV\tFactoryTalk View SE Server\t\t",
    "Information\tOperator\tAcquired a licence key, allowing full functionality\tHMISRV\t"
    "FactoryTalk Activation\t\t",
    "Information\tOperator\t\"Tag read failed: \"\"RNA://$Global/Line4/PLC:Tag\"\"\"\tHMI02\t"
    "FactoryTalk View SE Client\t\t",
};

static void gen_ftdiag(long lines)
{
    printf("Date/Time\tSeverity\tAudience\tMessage\tLocation\tProvider\tUser\tUser Description\r\n");
    long t = 1709647391;
    for (long i = 1; i < lines; i++) {
        t += rnd() % 3;
        long y, s;
        unsigned mo, d;
        civil(t, &y, &mo, &d, &s);
        long h = s / 3600;
        printf("%u/%u/%04ld %ld:%02ld:%02ld %s\t%s\r\n", mo, d, y, h % 12 ? h % 12 : 12,
               s / 60 % 60, s % 60, h < 12 ? "AM" : "PM",
               ft_rows[rnd() % (sizeof ft_rows / sizeof ft_rows[0])]);
    }
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: gen_logs ignition|kepware|winccoa|historian|ftdiag LINES [SEED]\n");
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
    else if (strcmp(argv[1], "winccoa") == 0)
        gen_winccoa(lines);
    else if (strcmp(argv[1], "historian") == 0)
        gen_historian(lines);
    else if (strcmp(argv[1], "ftdiag") == 0)
        gen_ftdiag(lines);
    else {
        fprintf(stderr, "gen_logs: unknown source '%s'\n", argv[1]);
        return 2;
    }
    return fflush(stdout) == 0 ? 0 : 1;
}
