/* twoway.c - the faster of two equivalent ways, by timing; see twoway.h. */
#include "twoway.h"

#include <string.h>

void tw_start(tw_choice *c, int way)
{
    memset(c, 0, sizeof *c);
    c->way = c->best = way;
    c->left = TW_FIRST;
    c->last = -1.0;
}

void tw_skip(tw_choice *c) { c->last = -1.0; }

/* A probe ended: the faster way from now on, and the timings start over. */
static void settle(tw_choice *c)
{
    int other = c->way, best = c->best;
    if (c->count[other] && c->count[best] &&
        c->sum[other] / c->count[other] < TW_GAIN * c->sum[best] / c->count[best])
        c->best = other;
    c->sum[0] = c->sum[1] = 0.0;
    c->count[0] = c->count[1] = 0;
}

int tw_next(tw_choice *c, double now, int timed)
{
    if (c->last >= 0.0 && timed) {
        c->sum[c->way] += now - c->last;
        c->count[c->way]++;
    }
    c->last = now;
    if (--c->left > 0)
        return c->way;
    int next;
    if (c->way != c->best) {
        settle(c);
        next = c->best;
        c->left = TW_STEADY;
    } else { /* a probe of the other way */
        next = !c->best;
        c->left = TW_PROBE;
    }
    if (next != c->way)
        c->last = -1.0;
    c->way = next;
    return next;
}
