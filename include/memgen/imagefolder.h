/*
 * Image folders: the PNG files of a folder, or of its class subfolders (the
 * torchvision ImageFolder layout), in bytewise name order so that every
 * machine sees the same row order. Reading and preparing the images is
 * memgen/png.h and memgen/image.h.
 */
#ifndef MEMGEN_IMAGEFOLDER_H
#define MEMGEN_IMAGEFOLDER_H

#include "memgen/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The PNG files of a folder, sorted by name (bytewise, so the order is the
 * same on every machine). */
typedef struct {
    int64_t n;
    char **paths;      /* n full paths */
    int64_t *labels;   /* n class indices (0 without class folders) */
    int nclasses;
    char **classes;    /* nclasses class folder names, sorted (NULL without) */
} mg_file_list;

/* Lists the image files, *.png, *.jpg and *.jpeg (extension case-insensitive;
 * mg_image_read reads them by content), directly in dir, or with
 * class_folders != 0 those in its immediate subfolders (torchvision
 * ImageFolder layout: label = index of the sorted subfolder). Hidden entries
 * are skipped. No image found is MG_ERR_NOT_FOUND. Free with mg_file_list_free. */
MG_API mg_status mg_list_images(const char *dir, int class_folders, mg_file_list *out);
MG_API void mg_file_list_free(mg_file_list *l);

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_IMAGEFOLDER_H */
