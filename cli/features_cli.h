/*
 * Pieces shared by `memgen detect` and `memgen repr` for activations exported
 * from another framework: the options --features, --layout and --pool (the
 * files are read block by block: stream_cli.h).
 */
#ifndef MEMGEN_FEATURES_CLI_H
#define MEMGEN_FEATURES_CLI_H

#include "cli.h"
#include "memgen/detect.h"

/* The options as given (layout and pool parsed while reading argv). */
typedef struct {
    const char *path; /* --features (NULL: not given) */
    mg_feat_layout layout;
    mg_pool_kind pool;
} fc_opts;

#define FC_OPTS_DEFAULT {NULL, MG_LAYOUT_AUTO, MG_POOL_MAX}

/* cli_opt_fn parsers of --layout (dest: mg_feat_layout *) and --pool (mg_pool_kind *). */
int fc_parse_layout(const char *cmd, const char *arg, void *dest);
int fc_parse_pool(const char *cmd, const char *arg, void *dest);

/* Their cli_opt entries, stored into the fc_opts *o. */
#define FC_OPTIONS(o)                                                                                      \
    CLI_OPT_STR("features", &(o)->path), CLI_OPT_FN("layout", fc_parse_layout, &(o)->layout),              \
        CLI_OPT_FN("pool", fc_parse_pool, &(o)->pool)

#endif /* MEMGEN_FEATURES_CLI_H */
