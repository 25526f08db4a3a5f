/*
 * NumPy .npy files: read format versions 1.0, 2.0 and 3.0, write 1.0 (or 2.0
 * when the header needs it). dtypes <f4 <f8 |u1 <i4 <i8 (and <f2 on read),
 * C order, any number of dimensions up to MG_MAX_DIMS. A Fortran-ordered file
 * of up to 2 dimensions is transposed into C order on read; others are
 * refused. Big-endian files are byte-swapped on read. Also read, widened
 * losslessly: |b1 (bool) as uint8 0/1, |i1 <i2 <u2 as int32, <u4 as int64.
 * Writing produces the bytes numpy.save (NumPy >= 1.24) writes for the same
 * array; float16 arrays are written as <f2, bfloat16 ones are refused.
 *
 * Readers validate magic, header length, the header dict, dtype, shape x
 * itemsize against the file size, and integer overflow: a corrupt file gives
 * MG_ERR_FORMAT with a message naming the file and the problem.
 */
#ifndef MEMGEN_NPY_H
#define MEMGEN_NPY_H

#include "memgen/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Reads `path` into *out (caller frees with mg_array_free). */
MG_API mg_status mg_npy_read(const char *path, mg_array *out);

/* Parses an in-memory .npy image; `name` is used in error messages. */
MG_API mg_status mg_npy_read_mem(const void *buf, size_t len, const char *name, mg_array *out);

/* Reads `path` and converts to float32. */
MG_API mg_status mg_npy_read_f32(const char *path, mg_array *out);

/* Reads a float32 matrix: a 2-D file as is (any numeric dtype converted), a
 * 1-D file as one column when as_column is nonzero, else as one row; higher
 * dimensions are flattened to (shape[0], rest). `what` names the role of the
 * file in error messages ("training data"). */
MG_API mg_status mg_npy_read_matrix(const char *path, const char *what, int as_column, mg_array *out);

/* What an .npy header says, without the data (for `memgen info` and for
 * checking a file's shape before loading it). */
typedef struct {
    int major, minor;            /* format version: 1.0, 2.0 or 3.0 */
    char descr[16];              /* dtype as written in the file, e.g. "<f4", ">i8" */
    int fortran_order;           /* nonzero if the file stores Fortran order */
    mg_dtype dtype;              /* dtype of the array mg_npy_read returns */
    int ndim;                    /* 0 .. MG_MAX_DIMS */
    int64_t shape[MG_MAX_DIMS];  /* shape[0..ndim-1] */
    size_t data_offset;          /* bytes before the data: magic + length + header */
    size_t data_bytes;           /* bytes of array data in the file */
} mg_npy_info;

/* Parses and validates the header of `path` (including that the data size
 * matches the file size) without reading the data. */
MG_API mg_status mg_npy_inspect(const char *path, mg_npy_info *info);

/* Same, for an in-memory image. */
MG_API mg_status mg_npy_inspect_mem(const void *buf, size_t len, const char *name, mg_npy_info *info);

/* ---- mapping a matrix (files larger than memory) -------------------------- */

/* A matrix file mapped read-only (mg_npy_map_matrix): the mapping, or the
 * owned copy when the file could not be mapped as it is. */
typedef struct {
    void *base;      /* the mapping (NULL: none) */
    size_t len;      /* its length */
    mg_array owned;  /* the copy (data NULL: none) */
} mg_npy_map;

/* The float32 matrix in `path` as *out, with the rows and columns of
 * mg_npy_read_matrix (as_column 0): a file of little-endian float32 in C
 * order is mapped read-only, so the values are paged in from the file as the
 * caller reads them and anonymous memory does not grow with the file (a
 * training set larger than memory can be searched); any other file is read
 * and converted as mg_npy_read_matrix does. The same values either way.
 * Release with mg_npy_unmap (also on failure: safe on a zeroed map). */
MG_API mg_status mg_npy_map_matrix(const char *path, const char *what, mg_npy_map *m, mg_mat *out);
MG_API void mg_npy_unmap(mg_npy_map *m);

/* ---- reading in row chunks (files larger than memory) -------------------- */

/* An open .npy file read a block of rows at a time: the header is parsed and
 * validated once (as mg_npy_inspect does), then any rows [r0, r0 + k) are
 * read into a caller buffer, so memory stays bounded by the block whatever
 * the file's size. A "row" is one index of the first dimension (ndim >= 1);
 * a 2-D Fortran-ordered file is read column by column and transposed. The
 * values are decoded exactly as mg_npy_read and mg_npy_read_f32 decode them,
 * so reading a file in blocks gives the same bits as reading it whole. */
typedef struct mg_npy_rows mg_npy_rows;

/* Opens `path` (*out, close with mg_npy_rows_close). Fails like mg_npy_inspect,
 * and with MG_ERR_SHAPE on a 0-d array. */
MG_API mg_status mg_npy_rows_open(const char *path, mg_npy_rows **out);

/* The header; rows = info->shape[0]. */
MG_API const mg_npy_info *mg_npy_rows_info(const mg_npy_rows *r);

/* Elements per row (product of shape[1..ndim-1]; 1 for a 1-D file). */
MG_API int64_t mg_npy_rows_width(const mg_npy_rows *r);

/* Reads rows [r0, r0 + k) into dst: k * width elements of info->dtype (the
 * dtype mg_npy_read returns). 0 <= r0, k >= 0, r0 + k <= rows. */
MG_API mg_status mg_npy_rows_read(mg_npy_rows *r, int64_t r0, int64_t k, void *dst);

/* The same converted to float32 (k * width floats), as mg_npy_read_f32. */
MG_API mg_status mg_npy_rows_read_f32(mg_npy_rows *r, int64_t r0, int64_t k, float *dst);

/* Closes the file and frees r (NULL is fine). */
MG_API void mg_npy_rows_close(mg_npy_rows *r);

/* The bytes numpy.save writes before the data of an array of dtype dt and
 * the given shape (the preamble and the padded header dict; a multiple of 64
 * bytes, at most 1024 for ranks up to MG_MAX_DIMS) into buf[cap], *len their
 * count: for a writer that appends the rows of a large array as they come. */
MG_API mg_status mg_npy_header(mg_dtype dt, int ndim, const int64_t *shape, unsigned char *buf, size_t cap,
                               size_t *len);

/* Writes `a` to `path` atomically (temp file + rename). */
MG_API mg_status mg_npy_write(const char *path, const mg_array *a);

/* Writes a float32 buffer of the given shape to `path` atomically. */
MG_API mg_status mg_npy_write_f32(const char *path, const float *data, int ndim, const int64_t *shape);

/* Serialises `a` as an .npy image into a malloc'd buffer (*out, caller frees). */
MG_API mg_status mg_npy_encode(const mg_array *a, unsigned char **out, size_t *len);

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_NPY_H */
