/*
 * Shared activation-file options of `memgen detect` and `memgen repr` (see
 * features_cli.h).
 */
#include "features_cli.h"

/* --layout. */
CLI_DEFINE_PARSER(fc_parse_layout, mg_feat_layout_parse)

/* --pool. */
CLI_DEFINE_PARSER(fc_parse_pool, mg_pool_parse)
