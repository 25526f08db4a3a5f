/*
 * Internal to memgen (the library's writers and the CLI; not installed):
 * writing cJSON values as files. Kept out of the public headers so that a
 * program or binding using libmemgen needs no cJSON headers.
 */
#ifndef MEMGEN_IO_JSONIO_H
#define MEMGEN_IO_JSONIO_H

#include <cjson/cJSON.h>
#include "memgen/core.h"

/* Writes a cJSON value (not consumed) to `path` pretty-printed with a final
 * newline, atomically (mg_write_file_atomic). */
mg_status mg_write_json_atomic(const char *path, const cJSON *value);

#endif /* MEMGEN_IO_JSONIO_H */
