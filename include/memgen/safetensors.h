/*
 * .safetensors files (the Hugging Face format PyTorch users load with
 * safetensors.torch.load_file): an 8-byte little-endian header length, a JSON
 * header {"name": {"dtype", "shape", "data_offsets"}, "__metadata__": {str: str}}
 * and the raw little-endian tensor bytes.
 *
 * A mg_st is an in-memory collection of named tensors plus string metadata.
 * Reading validates the header JSON, dtypes, shapes x itemsize against the
 * offsets, offsets against the file size, overlaps and overflow.
 */
#ifndef MEMGEN_SAFETENSORS_H
#define MEMGEN_SAFETENSORS_H

#include "memgen/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mg_st mg_st;

/* Creates an empty collection (free with mg_st_free). NULL on out-of-memory. */
MG_API mg_st *mg_st_new(void);

/* Frees the collection and every tensor in it. Safe on NULL. */
MG_API void mg_st_free(mg_st *st);

/* Reads a file into a new collection (*out, caller frees). */
MG_API mg_status mg_st_read(const char *path, mg_st **out);

/* Parses an in-memory image; `name` is used in error messages. */
MG_API mg_status mg_st_read_mem(const void *buf, size_t len, const char *name, mg_st **out);

/* Writes the collection to `path` atomically, byte for byte as
 * safetensors.torch.save_file would: data laid out by dtype alignment
 * (largest first) then by name, so every tensor is aligned in the file;
 * metadata keys sorted. */
MG_API mg_status mg_st_write(const mg_st *st, const char *path);

/* Serialises into a malloc'd buffer (*out, caller frees). */
MG_API mg_status mg_st_encode(const mg_st *st, unsigned char **out, size_t *len);

/* Adds a copy of `a` under `name` (replacing any tensor of that name). */
MG_API mg_status mg_st_add(mg_st *st, const char *name, const mg_array *a);

/* Adds a copy of a float32 buffer of the given shape. */
MG_API mg_status mg_st_add_f32(mg_st *st, const char *name, const float *data, int ndim, const int64_t *shape);

/* Adds `a` under `name`, taking ownership of a->data (a is emptied). */
MG_API mg_status mg_st_add_take(mg_st *st, const char *name, mg_array *a);

/* Number of tensors, and the i-th name in sorted order. */
MG_API int mg_st_count(const mg_st *st);
MG_API const char *mg_st_name(const mg_st *st, int i);

/* The tensor called `name`, or NULL. The pointer stays owned by st. */
MG_API const mg_array *mg_st_get(const mg_st *st, const char *name);

/* Looks up `name`, checks it is float32-convertible and has exactly the given
 * ndim and shape (a shape entry of -1 matches anything), and copies it as
 * float32 into *out (caller frees). Missing -> MG_ERR_NOT_FOUND; wrong shape ->
 * MG_ERR_SHAPE, each with a message naming the tensor. */
MG_API mg_status mg_st_get_f32(const mg_st *st, const char *name, int ndim, const int64_t *shape, mg_array *out);

/* Sets a metadata string (copied; replaces an existing key). */
MG_API mg_status mg_st_set_meta(mg_st *st, const char *key, const char *value);

/* Convenience setters that format numbers ("%.17g" for doubles). */
MG_API mg_status mg_st_set_meta_double(mg_st *st, const char *key, double value);
MG_API mg_status mg_st_set_meta_int(mg_st *st, const char *key, int64_t value);

/* Metadata value for key, or NULL. */
MG_API const char *mg_st_meta(const mg_st *st, const char *key);

/* Parses a metadata value as a number; MG_ERR_NOT_FOUND if absent,
 * MG_ERR_FORMAT if not a number. */
MG_API mg_status mg_st_meta_double(const mg_st *st, const char *key, double *value);
MG_API mg_status mg_st_meta_int(const mg_st *st, const char *key, int64_t *value);

/* Number of metadata entries and the i-th key (sorted). */
MG_API int mg_st_meta_count(const mg_st *st);
MG_API const char *mg_st_meta_key(const mg_st *st, int i);

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_SAFETENSORS_H */
