/*
 * memgen version: the version and the build configuration.
 */
#include <string.h>
#include <cblas.h>

#include "cli.h"

/* Prints the version, the BLAS in use and its thread count. */
int cmd_version(int argc, char **argv) {
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: memgen version\n\nPrints the memgen version and the BLAS configuration.\n");
        return CLI_OK;
    }
    if (argc > 1) return cli_usage("version", "unexpected argument '%s'", argv[1]);
    printf("memgen %s\n", MG_VERSION_STRING);
    printf("blas: %s (%d threads)\n", openblas_get_config(), openblas_get_num_threads());
#ifdef _OPENMP
    printf("openmp: yes\n");
#else
    printf("openmp: no\n");
#endif
    return CLI_OK;
}
