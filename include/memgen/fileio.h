/*
 * Atomic file writes, whole-file reads, checked opens and where memgen's
 * shipped data lies.
 *
 * Every memgen writer goes through mg_atomic_*: data is written to a temporary
 * file in the destination folder, flushed and fsync'ed, then renamed over the
 * final name, so an interrupted write never leaves a half file under that name.
 */
#ifndef MEMGEN_FILEIO_H
#define MEMGEN_FILEIO_H

#include <stdio.h>
#include "memgen/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An in-progress atomic write. fp is the stream to write to. */
typedef struct {
    FILE *fp;
    char *tmp_path;   /* "<dir>/.<name>.tmp.XXXXXX", owned */
    char *final_path; /* copy of the destination path, owned */
} mg_atomic_file;

/* Opens a temporary file next to `path` for writing. On failure nothing is
 * created and *af is left empty. */
MG_API mg_status mg_atomic_open(mg_atomic_file *af, const char *path);

/* Flushes, fsyncs, closes and renames the temporary file onto the final path.
 * On any failure the temporary file is removed and the final path untouched.
 * Always releases af's resources. */
MG_API mg_status mg_atomic_commit(mg_atomic_file *af);

/* Abandons the write: closes and removes the temporary file. Safe to call on
 * an empty or already-committed af. */
MG_API void mg_atomic_abort(mg_atomic_file *af);

/* Writes `len` bytes to `path` atomically. */
MG_API mg_status mg_write_file_atomic(const char *path, const void *data, size_t len);

/* Opens `path` for reading (binary) after checking that it is a regular
 * file; *size receives its length in bytes. The caller closes *fp. */
MG_API mg_status mg_open_regular(const char *path, FILE **fp, uint64_t *size);

/* Reads the whole file into a malloc'd buffer (*out, caller frees) of *len
 * bytes, followed by a NUL byte that *len does not count (so a text file can
 * be read as a string). Refuses files larger than max_bytes (0 = no limit)
 * with MG_ERR_FORMAT. */
MG_API mg_status mg_read_file(const char *path, size_t max_bytes, unsigned char **out, size_t *len);

/* Creates the folder `path` and any missing parents (like mkdir -p); an
 * existing folder is fine, an existing non-folder is an error. */
MG_API mg_status mg_mkdir_p(const char *path);

/* The data memgen ships (the committed fixture of the real model, the PyTorch
 * pipeline of examples/real_model), found at run time. rel is its path in the
 * source tree ("tests/fixtures/real_model"); an install keeps the same paths
 * under PREFIX/share/memgen. Looks under, in order: the folder the
 * environment variable MEMGEN_DATA_DIR names, the source tree the library was
 * built from, the data folder of the install it was built for. Writes the
 * first "<folder>/<rel>" that exists into buf (len bytes). MG_ERR_NOT_FOUND
 * names every folder looked under; MG_ERR_ARG when buf is too small. */
MG_API mg_status mg_data_path(const char *rel, char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_FILEIO_H */
