/* The faster of two ways, by timing: made-up step times in place of a
 * clock, so every decision is known in advance. */
#include "twoway.h"
#include "unit.h"

/* A run of steps on a made-up clock, and the steps taken each way. */
typedef struct run {
    tw_choice c;
    double now;
    unsigned taken[2];
} run;

/* n steps, each taking cost0 or cost1 seconds by its way; the way of the
 * step after the last. */
static int steps(run *r, unsigned n, double cost0, double cost1)
{
    int way = r->c.way;
    for (unsigned i = 0; i < n; i++) {
        r->taken[way]++;
        r->now += way ? cost1 : cost0;
        way = tw_next(&r->c, r->now, 1);
    }
    return way;
}

static void start(run *r, int way)
{
    tw_start(&r->c, way);
    r->now = 100.0;
    r->taken[0] = r->taken[1] = 0;
}

/* The starting way is kept TW_FIRST steps, then the other is probed for
 * TW_PROBE; equal times keep the starting way. */
static void test_first_probe(void)
{
    run r;
    start(&r, 0);
    CHECK(steps(&r, TW_FIRST - 1, 1.0, 1.0) == 0);
    CHECK(steps(&r, 1, 1.0, 1.0) == 1); /* the probe starts */
    CHECK(steps(&r, TW_PROBE - 1, 1.0, 1.0) == 1);
    CHECK(steps(&r, 1, 1.0, 1.0) == 0); /* it ends: no faster */
    CHECK(r.c.best == 0);
    CHECK(r.taken[1] == TW_PROBE);
}

/* A way more than 3% faster is kept after its probe; then the old way is
 * probed every TW_STEADY steps and kept out while it stays slower. */
static void test_the_faster_is_kept(void)
{
    run r;
    start(&r, 0);
    steps(&r, TW_FIRST + TW_PROBE, 1.0, 0.9);
    CHECK(r.c.best == 1 && r.c.way == 1);
    steps(&r, TW_STEADY + TW_PROBE, 1.0, 0.9);
    CHECK(r.c.best == 1);
    CHECK(r.taken[0] == TW_FIRST + TW_PROBE);
    /* the machine changes: the old way becomes the faster */
    steps(&r, TW_STEADY + TW_PROBE, 0.5, 0.9);
    CHECK(r.c.best == 0 && r.c.way == 0);
}

/* Within the margin, no change: 2% faster is not enough. */
static void test_margin(void)
{
    run r;
    start(&r, 0);
    steps(&r, TW_FIRST + TW_PROBE, 1.0, 0.98);
    CHECK(r.c.best == 0);
    start(&r, 0);
    steps(&r, TW_FIRST + TW_PROBE, 1.0, 0.96);
    CHECK(r.c.best == 1);
}

/* The first step after a change of way, untimed steps and a step after
 * tw_skip are not counted: a probe's one slow first step (the other way's
 * leftovers) does not decide, nor does a long pause before a step. */
static void test_untimed_steps(void)
{
    run r;
    start(&r, 0);
    steps(&r, TW_FIRST, 1.0, 0.9); /* the probe starts */
    CHECK(r.c.way == 1);
    r.now += 50.0; /* its first step: very slow, not timed */
    CHECK(tw_next(&r.c, r.now, 1) == 1);
    CHECK(r.c.count[1] == 0);
    r.now += 0.9;
    tw_next(&r.c, r.now, 0); /* a short batch: not timed */
    CHECK(r.c.count[1] == 0);
    tw_skip(&r.c);
    r.now += 30.0; /* after an evaluation */
    tw_next(&r.c, r.now, 1);
    CHECK(r.c.count[1] == 0);
    steps(&r, TW_PROBE - 3, 1.0, 0.9);
    CHECK(r.c.best == 1 && r.c.count[0] == 0 && r.c.count[1] == 0); /* settled, reset */
}

int main(void)
{
    UNIT_RUN(test_first_probe);
    UNIT_RUN(test_the_faster_is_kept);
    UNIT_RUN(test_margin);
    UNIT_RUN(test_untimed_steps);
    return UNIT_DONE();
}
