/*
 * Resumable outputs of a long streamed run (`memgen detect` over a large
 * input): each output is written row block by row block to OUT.partial,
 * beside a state file BASE.partial.json (written once, atomically: the
 * identity of the inputs and the options, and what the rows depend on, e.g.
 * a calibrated threshold) and BASE.partial.scores (the raw float64 scores of
 * the rows done, to rebuild the summaries). A killed run leaves them behind;
 * rerunning the same command finds the rows every partial file holds whole,
 * cuts the files back to the last finished block and goes on from there. The
 * end renames every OUT.partial onto OUT (fsync first) and removes the rest.
 */
#ifndef MEMGEN_PARTIAL_CLI_H
#define MEMGEN_PARTIAL_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "cli.h"

typedef enum {
    PART_CSV, /* text: a header line, then one line per row */
    PART_BIN  /* a fixed header (an .npy's, or none), then row_bytes per row */
} part_kind;

/* One partial file. */
typedef struct {
    char *final;          /* the output's name (NULL: the side store, removed at the end) */
    char *path;           /* where it is written meanwhile */
    part_kind kind;
    int64_t row_bytes;    /* PART_BIN: bytes per row */
    unsigned char *head;  /* what precedes the rows */
    size_t head_len;
    FILE *fp;
} part_file;

enum { PART_MAX = 6 };

/* A resumable run's outputs. */
typedef struct {
    char *base;           /* BASE */
    char *state;          /* BASE.partial.json */
    int nf;
    part_file f[PART_MAX];
} partial_run;

/* Starts the list; base names the state file and the side store. */
mg_status partial_init(partial_run *p, const char *base);

/* Adds an output (final NULL: the side store BASE.partial.scores) and its head
 * bytes (copied); *idx receives its index in p->f. */
mg_status partial_add(partial_run *p, const char *final, part_kind kind, int64_t row_bytes, const void *head,
                      size_t head_len, int *idx);

/* Adds {"path", "bytes", "mtime"} of a file under name to obj (the identity
 * a resumed run must find unchanged). */
mg_status partial_identity(cJSON *obj, const char *name, const char *path);

/* Looks for a partial run at base: *state (caller deletes) receives its state
 * when one is there with exactly this key; NULL when there is none, or when
 * force is set (an old one is removed). A partial run of another key is
 * refused naming the first setting that differs (cmd: the command's name). */
mg_status partial_find(partial_run *p, const cJSON *key, int force, const char *cmd, cJSON **state);

/* Starts fresh: writes the state (holding key and the caller's fields) and
 * creates every file with its head. */
mg_status partial_create(partial_run *p, const cJSON *state);

/* Reopens the files of a found run: rows done = what every file holds whole,
 * rounded down to a multiple of block (but n); the files are cut back to it. */
mg_status partial_reopen(partial_run *p, int64_t block, int64_t n, int64_t *done);

/* Reads rows [0, rows) of binary file i into dst. */
mg_status partial_load(partial_run *p, int i, int64_t rows, void *dst);

/* Flushes every file after a block (a kill then keeps the block's rows). */
mg_status partial_flush(partial_run *p);

/* The end: every output renamed into place (after an fsync), the store and
 * the state removed. Frees p. */
mg_status partial_commit(partial_run *p);

/* Abandons the run: every file and the state removed. Frees p. */
void partial_abort(partial_run *p);

/* Leaves the files as they are (a run stopped from outside); frees p. */
void partial_free(partial_run *p);

#endif /* MEMGEN_PARTIAL_CLI_H */
