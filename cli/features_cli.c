/*
 * Shared activation-file options of `memgen detect` and `memgen repr` (see
 * features_cli.h).
 */
#include "features_cli.h"
#include "memgen/npy.h"

/* --layout. */
CLI_DEFINE_PARSER(fc_parse_layout, mg_feat_layout_parse)

/* --pool. */
CLI_DEFINE_PARSER(fc_parse_pool, mg_pool_parse)

/* Reads and reduces an activation file. */
mg_status fc_read(const fc_opts *o, const char *path, mg_array *out) {
    mg_array a = {0};
    MG_TRY(mg_npy_read(path, &a));
    mg_status st = mg_features_reduce(&a, o->layout, o->pool, out);
    mg_array_free(&a);
    return st == MG_OK ? st : mg_fail_context(st, "%s", path);
}
