/* SPDX-License-Identifier: MIT */
/* romfs devs: serial ports that may be MicroPython boards. */
#include "cli.h"

#include <getopt.h>
#include <string.h>


static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: romfs devs [-a] [--json]\n"
            "\n"
            "List serial ports that look like MicroPython boards (USB VID/PID of\n"
            "boards that run it natively or of common USB-UART bridges, or\n"
            "'MicroPython' in the description): port, VID:PID, description. The\n"
            "first one is what '-d auto' picks.\n"
            "\n"
            "  -a, --all   every serial port\n"
            "      --json  a JSON array of {port, description}\n"
            "  -h, --help  this help\n"
            "\n"
            "Exit status: 0 (also when none is found), 1 ports could not be listed,\n"
            "2 bad usage.\n");
}

struct devs_ctx {
    int json, count;
};

static void show(const char *port, const char *desc, void *ctx)
{
    struct devs_ctx *d = ctx;
    if (d->json) {
        printf("%s\n {\"port\": ", d->count ? "," : "");
        cli_json_string(stdout, (const uint8_t *)port, strlen(port));
        printf(", \"description\": ");
        cli_json_string(stdout, (const uint8_t *)desc, strlen(desc));
        printf("}");
    } else {
        printf("%-20s %s\n", port, desc);
    }
    d->count++;
}

int cmd_devs(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"all", no_argument, NULL, 'a'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct devs_ctx d = {0, 0};
    int all = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "ah", longopts, NULL)) != -1) {
        switch (c) {
        case 'a': all = 1; break;
        case 'j': d.json = 1; break;
        case 'h': usage(stdout); return CLI_OK;
        default: usage(stderr); return CLI_USAGE;
        }
    }
    if (optind != argc) {
        cli_error("devs: unexpected argument '%s'", argv[optind]);
        usage(stderr);
        return CLI_USAGE;
    }
    if (d.json) {
        printf("[");
        cli_json_errors = 2;   /* the array has begun: errors go to stderr only */
    }
    int n = romfs_board_list_ports(all, show, &d);
    if (n < 0) {
        if (d.json)
            printf("]\n");
        cli_error("devs: cannot list serial ports");
        return CLI_FAIL;
    }
    if (d.json)
        printf("%s]\n", d.count ? "\n" : "");
    else if (d.count == 0)
        printf("no boards found\n");
    return CLI_OK;
}
