/*
 * memgen data: the datasets of the paper's experiments. This header only
 * gathers the data-preparation headers, one per concern, for callers that
 * want all of them; include the one you need instead where you can:
 *
 *  - memgen/mog.h          Gaussian mixtures (Eq. 4, App. A.1 / B.1): the
 *                          parameters, their generator and the sampler;
 *  - memgen/dup.h          duplicated subsets and injected rank-1 clusters
 *                          (Cor. 3.4, App. A.4), and finding duplicate groups;
 *  - memgen/image.h        image preprocessing (resize exactly as Pillow,
 *                          crop, channels, scaling, centering);
 *  - memgen/fmnist.h       Fashion-MNIST from the Debian package;
 *  - memgen/imagefolder.h  the PNG files of a folder;
 *  - memgen/split.h        seeded train/test splits.
 *
 * Randomness: every function of these takes an mg_rng and derives independent
 * sub-streams with mg_rng_fork(rng, id) for fixed purpose ids (each header
 * lists its own, all distinct); none advances the caller's rng, so one seed
 * gives the same dataset on any machine and thread count, and a function's
 * result does not depend on which other functions were called before it.
 */
#ifndef MEMGEN_DATA_H
#define MEMGEN_DATA_H

#include "memgen/dup.h"
#include "memgen/fmnist.h"
#include "memgen/image.h"
#include "memgen/imagefolder.h"
#include "memgen/mog.h"
#include "memgen/split.h"

#endif /* MEMGEN_DATA_H */
