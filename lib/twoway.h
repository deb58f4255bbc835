/* twoway.h - of two ways to take a repeated step that give the same
 * results, the faster, measured as the steps run.
 *
 * Which way is faster can depend on where the threads run and can change
 * while they run (dl-train's writes around the cache or through it, see
 * train.c).  The caller takes each step the way tw_next returned last and
 * reports when it ends.  After TW_FIRST steps the starting way, then every
 * TW_STEADY steps of the best way, TW_PROBE steps go the other way; when a
 * probe ends, the other way becomes the best if the mean of its timed steps
 * is below TW_GAIN times the best's (timed since the last probe ended, the
 * probe's included).  A step is timed from the end of the one before to its
 * own; the first step after a change of way (it meets what the other way
 * left) and steps the caller marks are not.  No allocation, no clock of
 * its own: the caller passes the time, so the choice is tested with
 * made-up times. */
#ifndef DL_TWOWAY_H
#define DL_TWOWAY_H

#define TW_FIRST 16
#define TW_STEADY 48
#define TW_PROBE 8
#define TW_GAIN 0.97

typedef struct tw_choice {
    int way;          /* the way of the step under way: 0 or 1 */
    int best;         /* the faster way, as last measured */
    unsigned left;    /* steps before the way changes (a probe starts or ends) */
    double last;      /* when the last step ended; < 0: the next one is not timed */
    double sum[2];    /* seconds of the steps timed each way */
    unsigned count[2];
} tw_choice;

/* Starts with `way` (0 or 1) as the best. */
void tw_start(tw_choice *c, int way);
/* A step ended at `now` (seconds, any origin, not decreasing); `timed` 0
 * leaves it out (a step unlike the others: a short last batch).  Returns
 * the way of the next step. */
int tw_next(tw_choice *c, double now, int timed);
/* The next step is not timed (it follows work that is not a step). */
void tw_skip(tw_choice *c);

#endif
