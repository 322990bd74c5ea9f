/* SPDX-License-Identifier: MIT */
/* romfs_board_run: import a module from the board's /rom, as `romfs run`
 * and `romfs watch --run` do. */
#include "board_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int romfs_board_module_name_ok(const char *m)
{
    size_t n = m ? strlen(m) : 0;
    if (n == 0 || n > 200 || m[0] == '.' || m[n - 1] == '.')
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = m[i];
        /* No component starts with a digit ("a.1b" is no module name). */
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                 (c >= '0' && c <= '9' && i > 0 && m[i - 1] != '.') || (c == '.' && m[i - 1] != '.');
        if (!ok)
            return 0;
    }
    return 1;
}

/* Soft reset so /rom is mounted afresh; boot output goes to fn. */
static int reset_first(romfs_board_t *b, romfs_board_output_fn fn, void *ctx)
{
    char *boot = NULL;
    size_t len = 0;
    int e = romfs_board_soft_reset(b, &boot, &len);
    if (e == 0 && fn && len)
        fn(boot, len, ctx);
    free(boot);
    return e;
}

int romfs_board_run(romfs_board_t *b, const char *module, int reset, romfs_board_output_fn fn, void *ctx, char **err,
                    int timeout_ms)
{
    if (err)
        *err = NULL;
    if (!module)
        module = "main";
    if (!romfs_board_module_name_ok(module))
        return board_fail(b, ROMFS_ERR_INVAL, "'%.200s' is not a module name", module);
    int e = reset ? reset_first(b, fn, ctx) : 0;
    if (e)
        return e;
    /* Without a reset modules from /rom may be imported already: drop
     * every one (the module and what it imports) so the new code runs; a
     * /rom a deploy left unmounted is mounted again (boot mounts
     * partition 0 there). */
    char code[900];
    int len = snprintf(code, sizeof code,
                       "import sys,os\n"
                       "try:\n"
                       " os.stat('/rom')\n"
                       "except OSError:\n"
                       " try:\n"
                       "  import vfs\n"
                       "  vfs.mount(vfs.VfsRom(vfs.rom_ioctl(2,0)),'/rom')\n"
                       " except Exception:\n"
                       "  raise ImportError('no ROMFS mounted at /rom')\n"
                       "for p in ('/rom/lib','/rom'):\n"
                       " while p in sys.path:sys.path.remove(p)\n"
                       " sys.path.insert(0,p)\n"
                       "for n in [n for n,m in sys.modules.items() if str(getattr(m,'__file__','')).startswith('/rom/')]:\n"
                       " del sys.modules[n]\n"
                       "sys.modules.pop('%s',None)\n"
                       "__import__('%s')\n",
                       module, module);
    return romfs_board_exec_stream(b, code, (size_t)len, fn, ctx, err, NULL, timeout_ms);
}
