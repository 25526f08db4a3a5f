/*
 * JSON files written by memgen (the CLI's result files, the report's
 * config.json and summary.json): cJSON values, pretty-printed, atomically.
 * Internal: declared in src/io/jsonio.h, not in the public headers.
 */
#include <stdlib.h>
#include <string.h>

#include "io/jsonio.h"
#include "memgen/fileio.h"

/* Pretty-prints a cJSON value plus a newline and writes it atomically. */
mg_status mg_write_json_atomic(const char *path, const cJSON *value) {
    char *txt = cJSON_Print(value);
    if (!txt) return mg_fail(MG_ERR_NOMEM, "%s: cannot format JSON", path);
    size_t len = strlen(txt);
    char *buf = realloc(txt, len + 2);
    if (!buf) {
        free(txt);
        return mg_fail(MG_ERR_NOMEM, "%s: cannot format JSON", path);
    }
    buf[len] = '\n';
    buf[len + 1] = '\0';
    mg_status st = mg_write_file_atomic(path, buf, len + 1);
    free(buf);
    return st;
}
