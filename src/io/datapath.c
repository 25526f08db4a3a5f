/*
 * Where the data memgen ships (the committed fixture of the real model, the
 * PyTorch pipeline of examples/real_model) lies at run time: under
 * MEMGEN_DATA_DIR, the source tree the library was built from, or the
 * installed data folder. The build passes the last two as MG_SOURCE_ROOT and
 * MG_DATA_DIR (Makefile; "" leaves a place out).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memgen/fileio.h"

#ifndef MG_SOURCE_ROOT
#define MG_SOURCE_ROOT ""
#endif
#ifndef MG_DATA_DIR
#define MG_DATA_DIR ""
#endif

/* The first of MEMGEN_DATA_DIR, the source tree and the data folder that holds rel. */
mg_status mg_data_path(const char *rel, char *buf, size_t len) {
    if (!rel || !*rel || !buf || !len) return mg_fail(MG_ERR_ARG, "mg_data_path: no path or no buffer");
    const char *env = getenv("MEMGEN_DATA_DIR");
    const char *const base[3] = {env ? env : "", MG_SOURCE_ROOT, MG_DATA_DIR};
    const char *const what[3] = {"MEMGEN_DATA_DIR=", "the source tree ", "the installed data "};
    char looked[2048] = "";
    for (int i = 0; i < 3; i++) {
        if (!*base[i]) continue;
        int n = snprintf(buf, len, "%s/%s", base[i], rel);
        if (n < 0 || (size_t)n >= len) return mg_fail(MG_ERR_ARG, "mg_data_path: %s/%s is too long", base[i], rel);
        if (access(buf, F_OK) == 0) return MG_OK;
        size_t used = strlen(looked);
        snprintf(looked + used, sizeof looked - used, "%s%s%s", used ? ", " : "", what[i], base[i]);
    }
    buf[0] = '\0';
    return mg_fail(MG_ERR_NOT_FOUND, "%s not found (looked under %s; MEMGEN_DATA_DIR may name a folder laid out "
                   "like an install's share/memgen)", rel, *looked ? looked : "nothing: no data folder is known");
}
