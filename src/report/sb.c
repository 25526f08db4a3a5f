/*
 * The growable string buffer of the report module (see sb.h), with XML
 * escaping (UTF-8 validated) and fixed-precision number output.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sb.h"

/* Makes room for n more bytes plus the NUL; sets oom on failure. */
static int sb_reserve(sb_t *b, size_t n) {
    if (b->oom) return 0;
    if (b->len + n + 1 <= b->cap) return 1;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1) {
        if (cap > ((size_t)1 << 40)) {
            b->oom = 1;
            return 0;
        }
        cap *= 2;
    }
    char *nb = realloc(b->buf, cap);
    if (!nb) {
        b->oom = 1;
        return 0;
    }
    b->buf = nb;
    b->cap = cap;
    return 1;
}

/* Appends n bytes. */
void sb_putn(sb_t *b, const char *s, size_t n) {
    if (!sb_reserve(b, n)) return;
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    b->buf[b->len] = '\0';
}

/* Appends a string. */
void sb_puts(sb_t *b, const char *s) {
    if (s) sb_putn(b, s, strlen(s));
}

/* Appends formatted text. */
void sb_printf(sb_t *b, const char *fmt, ...) {
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof small) {
        sb_putn(b, small, (size_t)n);
        return;
    }
    if (!sb_reserve(b, (size_t)n)) return;
    va_start(ap, fmt);
    vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* Length of the valid UTF-8 sequence starting at s (1..4), or 0 if invalid
 * (overlong forms, surrogates and code points above U+10FFFF included). */
static int utf8_len(const unsigned char *s) {
    unsigned c = s[0];
    int n;
    unsigned cp;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) n = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF) n = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4) n = 4, cp = c & 0x07;
    else return 0;
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0; /* also stops at the NUL */
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    if (cp == 0xFFFE || cp == 0xFFFF) return 0; /* not XML characters */
    return n;
}

/* XML-escapes s. */
void sb_escape(sb_t *b, const char *s) {
    if (!s) return;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        const unsigned char *run = p; /* a run of bytes that need no change */
        while (*p && *p >= 0x20 && *p < 0x80 && *p != '&' && *p != '<' && *p != '>' && *p != '"' && *p != '\'') p++;
        if (p > run) sb_putn(b, (const char *)run, (size_t)(p - run));
        if (!*p) break;
        switch (*p) {
        case '&': sb_puts(b, "&amp;"), p++; continue;
        case '<': sb_puts(b, "&lt;"), p++; continue;
        case '>': sb_puts(b, "&gt;"), p++; continue;
        case '"': sb_puts(b, "&quot;"), p++; continue;
        case '\'': sb_puts(b, "&#39;"), p++; continue;
        default: break;
        }
        if (*p < 0x20) {
            if (*p == '\t' || *p == '\n' || *p == '\r') sb_putn(b, (const char *)p, 1);
            p++;
            continue;
        }
        int n = utf8_len(p);
        if (n) {
            sb_putn(b, (const char *)p, (size_t)n);
            p += n;
        } else {
            sb_puts(b, "\xEF\xBF\xBD"); /* U+FFFD */
            p++;
        }
    }
}

/* A coordinate with two decimals; never "-0.00", never "nan". */
void sb_num(sb_t *b, double v) {
    if (!isfinite(v)) v = 0;
    double r = round(v * 100.0) / 100.0;
    if (r == 0) r = 0; /* drops the sign of -0 */
    sb_printf(b, "%.2f", r);
}

/* Hands over the text. */
mg_status sb_finish(sb_t *b, const char *what, char **out) {
    *out = NULL;
    if (b->oom) {
        sb_free(b);
        return mg_fail(MG_ERR_NOMEM, "%s: out of memory while building the text", what);
    }
    if (!b->buf) sb_putn(b, "", 0);
    if (b->oom) {
        sb_free(b);
        return mg_fail(MG_ERR_NOMEM, "%s: out of memory", what);
    }
    *out = b->buf;
    memset(b, 0, sizeof *b);
    return MG_OK;
}

/* Frees the buffer. */
void sb_free(sb_t *b) {
    if (!b) return;
    free(b->buf);
    memset(b, 0, sizeof *b);
}
