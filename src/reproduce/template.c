/*
 * The expression and template language of the section tables (template.h):
 * a recursive-descent evaluator over doubles and a template expander on top
 * of it. Names resolve through a chain of scopes, so a claim sees its
 * thresholds, then the experiment's results and parameters, then the
 * dataset and the run.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/sb.h"
#include "template.h"

#define MAX_NAME 96

/* The parser's state. With names_fn set it only collects names (no lookups,
 * every value 0). */
typedef struct {
    const char *src; /* the whole expression, for messages */
    const char *p;
    const mg_tpl_scope *scope;
    mg_status (*names_fn)(void *ctx, const char *name);
    void *names_ctx;
} parser;

/* Resolves a name through the scope chain. */
static mg_status lookup(const mg_tpl_scope *sc, const char *name, double *num, const char **text) {
    for (; sc; sc = sc->parent) {
        *text = NULL;
        mg_status s = sc->lookup(sc->ctx, name, num, text);
        if (s != MG_ERR_NOT_FOUND) return s;
    }
    return mg_fail(MG_ERR_NOT_FOUND, "unknown name '%s'", name);
}

/* Skips white space. */
static void skip(parser *ps) {
    while (isspace((unsigned char)*ps->p)) ps->p++;
}

/* A syntax error at the current position. */
static mg_status syntax(const parser *ps, const char *what) {
    return mg_fail(MG_ERR_ARG, "expression '%s': %s at '%s'", ps->src, what, ps->p);
}

static mg_status expr(parser *ps, double *v);

/* Reads a name into buf. */
static int read_name(parser *ps, char buf[MAX_NAME]) {
    const char *s = ps->p;
    if (!(isalpha((unsigned char)*s) || *s == '_')) return 0;
    size_t n = 0;
    while (isalnum((unsigned char)s[n]) || s[n] == '_' || s[n] == '.') n++;
    if (n >= MAX_NAME) return 0;
    memcpy(buf, s, n);
    buf[n] = '\0';
    ps->p += n;
    return 1;
}

/* A function call's value: min, max (any count), abs, sqrt, log10, isnan (one). */
static mg_status call(parser *ps, const char *fn, double *v) {
    double args[16];
    int n = 0;
    ps->p++; /* '(' */
    skip(ps);
    while (*ps->p != ')') {
        if (n == 16) return syntax(ps, "too many arguments");
        MG_TRY(expr(ps, &args[n++]));
        skip(ps);
        if (*ps->p == ',') ps->p++;
        else if (*ps->p != ')') return syntax(ps, "expected ',' or ')'");
    }
    ps->p++;
    int one = !strcmp(fn, "abs") || !strcmp(fn, "sqrt") || !strcmp(fn, "log10") || !strcmp(fn, "isnan");
    if (!one && strcmp(fn, "min") && strcmp(fn, "max")) return syntax(ps, "unknown function");
    if (one ? n != 1 : n < 1) return syntax(ps, "wrong number of arguments");
    if (!strcmp(fn, "abs")) *v = fabs(args[0]);
    else if (!strcmp(fn, "sqrt")) *v = sqrt(args[0]);
    else if (!strcmp(fn, "log10")) *v = log10(args[0]);
    else if (!strcmp(fn, "isnan")) *v = isnan(args[0]) ? 1.0 : 0.0;
    else {
        /* NaN wins: a missing measure must not be hidden by min/max */
        *v = args[0];
        for (int i = 1; i < n; i++)
            if (isnan(args[i]) || isnan(*v)) *v = NAN;
            else *v = !strcmp(fn, "min") ? fmin(*v, args[i]) : fmax(*v, args[i]);
    }
    return MG_OK;
}

/* primary := number | name | name(args) | (expr) */
static mg_status primary(parser *ps, double *v) {
    skip(ps);
    char name[MAX_NAME];
    if (*ps->p == '(') {
        ps->p++;
        MG_TRY(expr(ps, v));
        skip(ps);
        if (*ps->p != ')') return syntax(ps, "expected ')'");
        ps->p++;
        return MG_OK;
    }
    if (isdigit((unsigned char)*ps->p) || (*ps->p == '.' && isdigit((unsigned char)ps->p[1]))) {
        char *end;
        *v = strtod(ps->p, &end);
        ps->p = end;
        return MG_OK;
    }
    if (!read_name(ps, name)) return syntax(ps, "expected a number, a name or '('");
    skip(ps);
    if (*ps->p == '(') return call(ps, name, v);
    if (ps->names_fn) {
        *v = 0;
        return ps->names_fn(ps->names_ctx, name);
    }
    const char *text;
    mg_status s = lookup(ps->scope, name, v, &text);
    if (s != MG_OK) return mg_fail_context(s, "expression '%s'", ps->src);
    if (text) return mg_fail(MG_ERR_ARG, "expression '%s': '%s' is text, not a number", ps->src, name);
    return MG_OK;
}

/* unary := ('-' | '!') unary | primary */
static mg_status unary(parser *ps, double *v) {
    skip(ps);
    if (*ps->p == '-' || *ps->p == '!') {
        char op = *ps->p++;
        MG_TRY(unary(ps, v));
        *v = op == '-' ? -*v : (*v == 0 ? 1.0 : 0.0);
        return MG_OK;
    }
    return primary(ps, v);
}

/* term := unary (('*' | '/') unary)* */
static mg_status term(parser *ps, double *v) {
    MG_TRY(unary(ps, v));
    for (;;) {
        skip(ps);
        char op = *ps->p;
        if (op != '*' && op != '/') return MG_OK;
        ps->p++;
        double r;
        MG_TRY(unary(ps, &r));
        *v = op == '*' ? *v * r : *v / r;
    }
}

/* sum := term (('+' | '-') term)* */
static mg_status sum(parser *ps, double *v) {
    MG_TRY(term(ps, v));
    for (;;) {
        skip(ps);
        char op = *ps->p;
        if (op != '+' && op != '-') return MG_OK;
        ps->p++;
        double r;
        MG_TRY(term(ps, &r));
        *v = op == '+' ? *v + r : *v - r;
    }
}

/* expr := sum (('<' | '<=' | '>' | '>=' | '==' | '!=') sum)?: a comparison is
 * 1 or 0, and 0 whenever an operand is NaN (as in the claim conditions). */
static mg_status expr(parser *ps, double *v) {
    MG_TRY(sum(ps, v));
    skip(ps);
    const char *p = ps->p;
    int op = 0; /* 1 <, 2 <=, 3 >, 4 >=, 5 ==, 6 != */
    if (p[0] == '<' || p[0] == '>') op = (p[0] == '<' ? 1 : 3) + (p[1] == '=');
    else if ((p[0] == '=' || p[0] == '!') && p[1] == '=') op = p[0] == '=' ? 5 : 6;
    if (!op) return MG_OK;
    ps->p += op == 1 || op == 3 ? 1 : 2;
    double r;
    MG_TRY(sum(ps, &r));
    double l = *v;
    int yes = op == 1 ? l < r : op == 2 ? l <= r : op == 3 ? l > r : op == 4 ? l >= r : op == 5 ? l == r : l != r;
    *v = !isnan(l) && !isnan(r) && yes ? 1.0 : 0.0;
    return MG_OK;
}

/* Parses a whole expression (nothing may follow it). */
static mg_status parse_all(parser *ps, double *v) {
    MG_TRY(expr(ps, v));
    skip(ps);
    if (*ps->p) return syntax(ps, "unexpected text");
    return MG_OK;
}

/* Evaluates an expression. */
mg_status mg_tpl_eval(const char *e, const mg_tpl_scope *scope, double *out) {
    if (!e) return mg_fail(MG_ERR_ARG, "empty expression");
    parser ps = {e, e, scope, NULL, NULL};
    return parse_all(&ps, out);
}

/* Checks that fmt is one printf conversion of a double among literal text. */
static mg_status check_format(const char *fmt) {
    int conv = 0;
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') continue;
        if (p[1] == '%') {
            p++;
            continue;
        }
        p++;
        while (*p && strchr("-+ #0", *p)) p++;
        while (isdigit((unsigned char)*p)) p++;
        if (*p == '.') {
            p++;
            while (isdigit((unsigned char)*p)) p++;
        }
        if (!*p || !strchr("fFeEgG", *p)) return mg_fail(MG_ERR_ARG, "format '%s': only %%f, %%e and %%g conversions", fmt);
        conv++;
    }
    if (conv != 1) return mg_fail(MG_ERR_ARG, "format '%s': needs exactly one conversion", fmt);
    return MG_OK;
}

/* The default text of a value: whole numbers exactly, else %.4g. */
static void put_number(sb_t *b, double v) {
    if (isnan(v)) sb_puts(b, "nan");
    else if (v == floor(v) && fabs(v) < 1e15) sb_printf(b, "%.0f", v);
    else sb_printf(b, "%.4g", v);
}

/* Finds the end of a placeholder body starting at s (after '{'): the
 * matching '}' at depth 0; fills bars[] with the positions of top-level '|'. */
static const char *body_end(const char *s, const char *bars[2], int *nbars) {
    int depth = 0;
    *nbars = 0;
    for (const char *p = s; *p; p++) {
        if (*p == '{') depth++;
        else if (*p == '}') {
            if (depth == 0) return p;
            depth--;
        } else if (*p == '|' && depth == 0 && *nbars < 2) bars[(*nbars)++] = p;
    }
    return NULL;
}

static mg_status expand(const char *tpl, size_t len, const mg_tpl_scope *scope, sb_t *b,
                        mg_status (*names_fn)(void *, const char *), void *names_ctx);

/* Expands one placeholder body [s, e) into b. */
static mg_status placeholder(const char *s, const char *e, const char *bars[2], int nbars, const mg_tpl_scope *scope,
                             sb_t *b, mg_status (*names_fn)(void *, const char *), void *names_ctx) {
    size_t n = (size_t)(e - s);
    char *body = malloc(n + 1);
    if (!body) return mg_fail(MG_ERR_NOMEM, "out of memory in a template");
    memcpy(body, s, n);
    body[n] = '\0';
    mg_status st = MG_OK;
    double v = 0;
    if (body[0] == '?') { /* {?expr|A|B} */
        if (nbars < 1) st = mg_fail(MG_ERR_ARG, "template '{%s}': a condition needs '|'", body);
        const char *a = nbars ? bars[0] + 1 : NULL, *bend = nbars > 1 ? bars[1] : e;
        if (st == MG_OK) {
            body[bars[0] - s] = '\0';
            parser ps = {body + 1, body + 1, scope, names_fn, names_ctx};
            st = parse_all(&ps, &v);
        }
        if (st == MG_OK && names_fn) { /* both branches name things */
            st = expand(a, (size_t)(bend - a), scope, b, names_fn, names_ctx);
            if (st == MG_OK && nbars > 1) st = expand(bars[1] + 1, (size_t)(e - bars[1] - 1), scope, b, names_fn, names_ctx);
        } else if (st == MG_OK && v != 0 && !isnan(v)) st = expand(a, (size_t)(bend - a), scope, b, NULL, NULL);
        else if (st == MG_OK && nbars > 1) st = expand(bars[1] + 1, (size_t)(e - bars[1] - 1), scope, b, NULL, NULL);
        free(body);
        return st;
    }
    char *fmt = strrchr(body, ':');
    if (fmt && strchr(fmt, '%')) *fmt++ = '\0';
    else fmt = NULL;
    if (fmt) st = check_format(fmt);
    const char *text = NULL;
    char name[MAX_NAME];
    parser ps = {body, body, scope, names_fn, names_ctx};
    /* a bare name may hold text */
    skip(&ps);
    int bare = 0;
    if (st == MG_OK && read_name(&ps, name)) {
        skip(&ps);
        bare = !*ps.p;
    }
    if (st == MG_OK && bare && !names_fn) {
        st = lookup(scope, name, &v, &text);
        if (st != MG_OK) st = mg_fail_context(st, "template '{%s}'", body);
    } else if (st == MG_OK && bare) st = names_fn(names_ctx, name);
    else if (st == MG_OK) {
        ps.p = body;
        st = parse_all(&ps, &v);
    }
    if (st == MG_OK && !names_fn) {
        if (text) {
            if (fmt) st = mg_fail(MG_ERR_ARG, "template '{%s:%s}': '%s' is text", body, fmt, name);
            else sb_puts(b, text);
        } else if (fmt) sb_printf(b, fmt, v);
        else put_number(b, v);
    }
    free(body);
    return st;
}

/* Expands len bytes of a template into b (names_fn: only collect names). */
static mg_status expand(const char *tpl, size_t len, const mg_tpl_scope *scope, sb_t *b,
                        mg_status (*names_fn)(void *, const char *), void *names_ctx) {
    const char *p = tpl, *end = tpl + len;
    while (p < end) {
        if (*p == '{' && p + 1 < end && p[1] == '{') {
            sb_putn(b, "{", 1);
            p += 2;
        } else if (*p == '}' && p + 1 < end && p[1] == '}') {
            sb_putn(b, "}", 1);
            p += 2;
        } else if (*p == '{') {
            const char *bars[2];
            int nbars;
            const char *e = body_end(p + 1, bars, &nbars);
            if (!e || e >= end) return mg_fail(MG_ERR_ARG, "template '%.*s': unclosed '{'", (int)len, tpl);
            MG_TRY(placeholder(p + 1, e, bars, nbars, scope, b, names_fn, names_ctx));
            p = e + 1;
        } else if (*p == '}') {
            return mg_fail(MG_ERR_ARG, "template '%.*s': stray '}' (write '}}')", (int)len, tpl);
        } else {
            const char *q = p;
            while (q < end && *q != '{' && *q != '}') q++;
            sb_putn(b, p, (size_t)(q - p));
            p = q;
        }
    }
    return MG_OK;
}

/* Expands a template. */
mg_status mg_tpl_expand(const char *tpl, const mg_tpl_scope *scope, char **out) {
    sb_t b = {0};
    sb_puts(&b, "");
    mg_status s = tpl ? expand(tpl, strlen(tpl), scope, &b, NULL, NULL) : MG_OK;
    if (s != MG_OK) {
        sb_free(&b);
        return s;
    }
    return sb_finish(&b, "a template", out);
}

/* Lists the names an expression or a template uses. */
mg_status mg_tpl_names(const char *text, int is_template, mg_status (*fn)(void *ctx, const char *name), void *ctx) {
    if (!text) return MG_OK;
    if (!is_template) {
        parser ps = {text, text, NULL, fn, ctx};
        double v;
        return parse_all(&ps, &v);
    }
    sb_t b = {0};
    mg_status s = expand(text, strlen(text), NULL, &b, fn, ctx);
    sb_free(&b);
    return s;
}
