/*
 * The small expression and text-template language of the report's section
 * tables (internal to src/reproduce). It lets a claim, a caption or a rule
 * name the numbers it shows instead of formatting them in code, so each
 * threshold and each measured value is written once.
 *
 * Expressions (double-valued):
 *     number | name | name(args) | (e) | -e | !e | e * e | e / e | e + e | e - e
 *     | e < e | e <= e | e > e | e >= e | e == e | e != e
 *   names: [A-Za-z_][A-Za-z0-9_.]* resolved through the scope chain;
 *   functions: min(a, b, ...), max(a, b, ...), abs(x), sqrt(x), log10(x),
 *   isnan(x) (1 when x is NaN, a measure that was not taken, else 0);
 *   !e is 1 when e == 0, else 0. IEEE arithmetic: 1/0 = inf, NaN propagates.
 *   A comparison (at most one per level of parentheses, binding loosest) is
 *   1 or 0, and 0 when either side is NaN, as in the claim conditions; so
 *   "either holds" is max(a >= 1, b > 0) and "both" min(...).
 *
 * Templates (text):
 *     {expr}        the value: integers up to 1e15 exactly, else %.4g; a name
 *                   that holds text is inserted as text
 *     {expr:FMT}    the value through one printf double conversion (FMT such
 *                   as %.3f, %.1f%%, %.2e)
 *     {?expr|A|B}   template A when expr is nonzero, else template B (B may be
 *                   omitted: {?expr|A})
 *     {{ and }}     literal braces
 */
#ifndef MEMGEN_REPRO_TEMPLATE_H
#define MEMGEN_REPRO_TEMPLATE_H

#include "memgen/core.h"

/* A scope resolves names; unknown ones go to the parent. lookup returns
 * MG_OK with *num set (a number) or *text set (text, valid while the scope
 * lives), or MG_ERR_NOT_FOUND. */
typedef struct mg_tpl_scope {
    mg_status (*lookup)(const void *ctx, const char *name, double *num, const char **text);
    const void *ctx;
    const struct mg_tpl_scope *parent;
} mg_tpl_scope;

/* Evaluates an expression. Errors (MG_ERR_ARG) name the expression and the
 * unknown name or the syntax fault. */
mg_status mg_tpl_eval(const char *expr, const mg_tpl_scope *scope, double *out);

/* Expands a template into *out (malloc'd, caller frees). NULL expands to "". */
mg_status mg_tpl_expand(const char *tpl, const mg_tpl_scope *scope, char **out);

/* Calls fn(ctx, name) for every name an expression or template uses (the
 * names inside both branches of {?...}), so tests can check that each one
 * resolves without running anything. Stops at the first failing call. */
mg_status mg_tpl_names(const char *text, int is_template, mg_status (*fn)(void *ctx, const char *name), void *ctx);

#endif /* MEMGEN_REPRO_TEMPLATE_H */
