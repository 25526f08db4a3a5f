/*
 * Shared activation-file options of `memgen detect` and `memgen repr` (see
 * features_cli.h).
 */
#include "features_cli.h"
#include "memgen/npy.h"

/* --layout. */
int fc_parse_layout(const char *cmd, const char *name, const char *arg, void *dest) {
    (void)name;
    return mg_feat_layout_parse(arg, dest) != MG_OK ? cli_usage(cmd, "%s", mg_last_error()) : 0;
}

/* --pool. */
int fc_parse_pool(const char *cmd, const char *name, const char *arg, void *dest) {
    (void)name;
    return mg_pool_parse(arg, dest) != MG_OK ? cli_usage(cmd, "%s", mg_last_error()) : 0;
}

/* Reads and reduces an activation file. */
mg_status fc_read(const fc_opts *o, const char *path, mg_array *out) {
    mg_array a = {0};
    MG_TRY(mg_npy_read(path, &a));
    mg_status st = mg_features_reduce(&a, o->layout, o->pool, out);
    mg_array_free(&a);
    return st == MG_OK ? st : mg_fail_context(st, "%s", path);
}
