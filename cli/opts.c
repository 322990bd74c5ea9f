/* SPDX-License-Identifier: MIT */
/* Options from a command's table; see opts.h. */
#include "opts.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include "cli.h"
#include "imgwalk.h"

#define MAX_OPTS 48
#define LONG_VAL 0x100   /* getopt's value of a long-only option: LONG_VAL + its index */

void cli_usage(const cli_cmd_t *c, FILE *fp)
{
    fputs(c->head, fp);
    for (const cli_opt_t *o = c->opts; o->kind != CLI_OPT_END; o++) {
        if (!o->help) /* not in the help */
            continue;
        if (o->kind == CLI_OPT_TEXT) {
            fprintf(fp, "%s\n", o->help);
            continue;
        }
        char left[80];
        int n = snprintf(left, sizeof left, "  %c%c%s%s%s%s%s", o->key ? '-' : ' ', o->key ? o->key : ' ',
                         o->key && o->name ? ", " : o->name ? "  " : "", o->name ? "--" : "",
                         o->name ? o->name : "", o->arg ? " " : "", o->arg ? o->arg : "");
        fputs(left, fp);
        /* The text two spaces at least after the option, else on the next line. */
        int pad = n + 2 <= c->col ? c->col - n : -1;
        if (pad < 0)
            fputc('\n', fp);
        for (const char *h = o->help;; h++, pad = -1) {
            size_t len = strcspn(h, "\n");
            fprintf(fp, "%*s%.*s\n", pad < 0 ? c->col : pad, "", (int)len, h);
            if (!h[len])
                break;
            h += len;
        }
    }
    fputs(c->tail, fp);
}

int cli_usage_error(const cli_cmd_t *c, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cli_error("%s: %s", c->name, msg);
    cli_usage(c, stderr);
    return CLI_USAGE;
}

/* The value of o, checked into the field; 0, or -1 after one error line. */
static int take_value(const cli_cmd_t *c, const cli_opt_t *o, char *base, const char *arg)
{
    char *field = base + o->off;
    if (o->kind == CLI_OPT_SET) {
        *(int *)field = o->val;
    } else if (o->kind == CLI_OPT_STR) {
        if (o->min && !*arg) {
            cli_error("%s: %s", c->name, o->bad);
            return -1;
        }
        *(const char **)field = arg;
    } else if (o->kind == CLI_OPT_NUM) {
        long long v = cli_parse_size(arg);
        if (v < o->min || v > o->max || (o->val && (v & (v - 1)))) {
            char msg[300];
            snprintf(msg, sizeof msg, o->bad, arg);
            cli_error("%s: %s", c->name, msg);
            return -1;
        }
        if (o->size == sizeof(long long))
            *(long long *)field = v;
        else
            *(int32_t *)field = (int32_t)v;   /* int or uint32_t, v in range */
    } else if (o->kind == CLI_OPT_DEVS) {
        cli_devs_t *d = (cli_devs_t *)field;
        if (cli_add_device(d->v, &d->n, &d->given, arg, c->name) < 0)
            return -2;
        d->dev = arg;
    }
    return 0;
}

/* getopt's tables from c's: short options in sh, long ones in lo. */
static void getopt_tables(const cli_cmd_t *c, char *sh, struct option *lo)
{
    size_t ns = 0, nl = 0;
    for (size_t i = 0; c->opts[i].kind != CLI_OPT_END && i < MAX_OPTS; i++) {
        const cli_opt_t *o = &c->opts[i];
        if (o->kind == CLI_OPT_OPERAND) { /* getopt returns operands as 1, in order */
            memmove(sh + 1, sh, ns++);
            sh[0] = '-';
        } else if (o->key) {
            sh[ns++] = o->key;
            if (o->arg)
                sh[ns++] = ':';
        }
        if (o->name)
            lo[nl++] = (struct option){o->name, o->arg ? required_argument : no_argument, NULL,
                                       o->key ? o->key : LONG_VAL + (int)i};
    }
    sh[ns] = '\0';
    lo[nl] = (struct option){NULL, 0, NULL, 0};
}

static const cli_opt_t *find_opt(const cli_cmd_t *c, int ch)
{
    if (ch >= LONG_VAL)
        return &c->opts[ch - LONG_VAL];
    for (const cli_opt_t *o = c->opts; o->kind != CLI_OPT_END; o++)
        if (o->key == ch)
            return o;
    return NULL;
}

int cli_parse(const cli_cmd_t *c, int argc, char **argv, void *opts)
{
    char sh[2 * MAX_OPTS + 2];
    struct option lo[MAX_OPTS + 1];
    getopt_tables(c, sh, lo);
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, sh, lo, NULL)) != -1) {
        const cli_opt_t *o = find_opt(c, ch);
        if (!o) { /* getopt said which option, as typed */
            cli_usage(c, stderr);
            return CLI_USAGE;
        }
        if (o->kind == CLI_OPT_HELP) {
            cli_usage(c, stdout);
            return CLI_OK;
        }
        int r = o->kind >= CLI_OPT_FN ? o->fn((char *)opts + o->off, o->val, optarg, c->name)
                                      : take_value(c, o, opts, optarg);
        if (r == 1)
            return CLI_OK;
        if (r < 0)
            return r == -2 ? CLI_FAIL : CLI_USAGE;
    }
    const cli_opt_t *operand = find_opt(c, 1);
    for (; operand && optind < argc; optind++) /* those after "--" */
        if (operand->fn((char *)opts + operand->off, 0, argv[optind], c->name) < 0)
            return CLI_USAGE;
    if (c->source) {
        iw_source_t *s = (iw_source_t *)((char *)opts + c->source - 1);
        if (!s->dev && optind < argc)
            s->image = argv[optind++];
        else if (!s->dev)
            return cli_usage_error(c, "expected %s", c->expected);
    }
    if (c->expected && (argc - optind < c->min || (c->max >= 0 && argc - optind > c->max)))
        return cli_usage_error(c, "expected %s", c->expected);
    return -1;
}

int cli_opt_takes_value(const cli_cmd_t *c, const char *opt)
{
    for (const cli_opt_t *o = c->opts; o->kind != CLI_OPT_END; o++) {
        if (!o->arg)
            continue;
        if (opt[1] != '-' ? o->key == opt[1] && !opt[2] : o->name && strcmp(opt + 2, o->name) == 0)
            return 1;
    }
    return 0;
}
