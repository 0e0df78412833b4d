/*
 * hbin.h: the bin walk (regf-format.md §3, §4; rules R-B01..R-B11 of §8.2).
 */
#ifndef HIVEREF_HBIN_H
#define HIVEREF_HBIN_H

#include "status.h"

struct hr_hv;

/* Walks the bins that tile [0, Length) and every cell inside them, marking each cell start in
 * v->cells (which must be initialised).  Bin headers: R-B01..R-B05; cells: R-B07..R-B11.
 * In check mode a bad cell ends the walk of its bin only (its remaining cells stay unmapped, so
 * references into them fail R-C04); a bad bin header ends the walk.  Returns ERROR_SUCCESS or
 * ERROR_NOT_REGISTRY_FILE. */
hr_status hbin_walk(struct hr_hv *v);

#endif /* HIVEREF_HBIN_H */
