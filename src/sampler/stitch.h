/* stitch.h (internal): join windows' ln g into one estimate over the whole grid. */
#ifndef ENTROSCAPE_STITCH_H
#define ENTROSCAPE_STITCH_H

#include "window.h"

/* Join n windows (ordered along their axis, neighbours overlapping): window k+1 is shifted by
 * the mean difference of the marginals (ln g summed over the other axis) over the overlap,
 * and owns the grid from the overlap index where the slopes of the marginals agree best.
 *   ln_g    (nbins) output, -inf where no window reached a bin
 *   reached (nbins) output
 * ES_ERUNTIME (err set) if two neighbours share no reached bin. */
es_status es_stitch(const es_grid *g, const es_window *win, int n, double *ln_g,
                    unsigned char *reached, es_err *err);

#endif
