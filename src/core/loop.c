/*
 * loop.c - poll(2) event loop with timers and hooks (see loop.h).
 *
 * The pollfd array is rebuilt from the registry before each poll, so callbacks may add
 * and remove descriptors freely: a removed entry is only marked dead and swept after the
 * dispatch pass. Timers are few (progress ticks, tool deadlines), so they live in an
 * unsorted array scanned once per iteration.
 */
#include "core/loop.h"
#include "core/alloc.h"
#include "core/error.h"

#include <errno.h>
#include <poll.h>
#include <time.h>

struct fd_entry {
    int fd;
    short events;
    bool dead;
    osr_loop_fd_cb cb;
    void *payload;
};

struct timer {
    uint64_t id;
    uint64_t due_ms;
    osr_loop_timer_cb cb;
    void *payload;
};

struct hook {
    osr_loop_hook_cb prepare, check;
    void *payload;
};

struct osr_loop {
    struct fd_entry *fds;
    size_t nfds, fds_cap;
    struct timer *timers;
    size_t ntimers, timers_cap;
    struct hook *hooks;
    size_t nhooks, hooks_cap;
    struct pollfd *pfds;
    size_t pfds_cap;
    uint64_t next_timer_id;
    bool stop;
};

uint64_t osr_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t osr_now_ms(void)
{
    return osr_now_us() / 1000u;
}

osr_loop *osr_loop_new(void)
{
    osr_loop *loop = osr_xcalloc(1, sizeof(*loop));
    loop->next_timer_id = 1;
    return loop;
}

void osr_loop_free(osr_loop *loop)
{
    if (!loop)
        return;
    free(loop->fds);
    free(loop->timers);
    free(loop->hooks);
    free(loop->pfds);
    free(loop);
}

int osr_loop_add_fd(osr_loop *loop, int fd, short events, osr_loop_fd_cb cb, void *payload)
{
    for (size_t i = 0; i < loop->nfds; i++) {
        if (loop->fds[i].fd == fd && !loop->fds[i].dead)
            return osr_error_set(-OSR_EEXISTS, "descriptor %d is already watched", fd);
    }
    loop->fds = osr_xgrow(loop->fds, &loop->fds_cap, loop->nfds + 1, sizeof(*loop->fds));
    loop->fds[loop->nfds++] = (struct fd_entry){fd, events, false, cb, payload};
    return 0;
}

void osr_loop_set_events(osr_loop *loop, int fd, short events)
{
    for (size_t i = 0; i < loop->nfds; i++) {
        if (loop->fds[i].fd == fd && !loop->fds[i].dead)
            loop->fds[i].events = events;
    }
}

void osr_loop_remove_fd(osr_loop *loop, int fd)
{
    for (size_t i = 0; i < loop->nfds; i++) {
        if (loop->fds[i].fd == fd)
            loop->fds[i].dead = true;
    }
}

uint64_t osr_loop_add_timer(osr_loop *loop, uint64_t delay_ms, osr_loop_timer_cb cb, void *payload)
{
    struct timer *t;

    loop->timers =
        osr_xgrow(loop->timers, &loop->timers_cap, loop->ntimers + 1, sizeof(*loop->timers));
    t = &loop->timers[loop->ntimers++];
    t->id = loop->next_timer_id++;
    t->due_ms = osr_now_ms() + delay_ms;
    t->cb = cb;
    t->payload = payload;
    return t->id;
}

void osr_loop_cancel_timer(osr_loop *loop, uint64_t id)
{
    for (size_t i = 0; i < loop->ntimers; i++) {
        if (loop->timers[i].id == id) {
            loop->timers[i] = loop->timers[--loop->ntimers];
            return;
        }
    }
}

void osr_loop_add_hooks(osr_loop *loop, osr_loop_hook_cb prepare, osr_loop_hook_cb check,
                        void *payload)
{
    loop->hooks = osr_xgrow(loop->hooks, &loop->hooks_cap, loop->nhooks + 1, sizeof(*loop->hooks));
    loop->hooks[loop->nhooks++] = (struct hook){prepare, check, payload};
}

void osr_loop_stop(osr_loop *loop)
{
    loop->stop = true;
}

void osr_loop_resume(osr_loop *loop)
{
    loop->stop = false;
}

bool osr_loop_stopping(const osr_loop *loop)
{
    return loop->stop;
}

static long min_wait(long a, long b)
{
    if (a < 0)
        return b;
    if (b < 0)
        return a;
    return a < b ? a : b;
}

static long timers_wait(osr_loop *loop)
{
    uint64_t now = osr_now_ms();
    long wait = -1;

    for (size_t i = 0; i < loop->ntimers; i++) {
        long w = loop->timers[i].due_ms > now ? (long)(loop->timers[i].due_ms - now) : 0;
        wait = min_wait(wait, w);
    }
    return wait;
}

/* Fires every due timer, earliest deadline first (ties in the order they were added). A
 * callback may add or cancel timers, so the earliest one is looked up again each time. */
static void run_timers(osr_loop *loop)
{
    uint64_t now = osr_now_ms();

    for (;;) {
        size_t best = SIZE_MAX;
        struct timer t;
        for (size_t i = 0; i < loop->ntimers; i++) {
            const struct timer *c = &loop->timers[i];
            if (c->due_ms <= now &&
                (best == SIZE_MAX || c->due_ms < loop->timers[best].due_ms ||
                 (c->due_ms == loop->timers[best].due_ms && c->id < loop->timers[best].id)))
                best = i;
        }
        if (best == SIZE_MAX)
            return;
        t = loop->timers[best];
        loop->timers[best] = loop->timers[--loop->ntimers];
        t.cb(loop, t.payload);
    }
}

static void sweep(osr_loop *loop)
{
    size_t out = 0;

    for (size_t i = 0; i < loop->nfds; i++) {
        if (!loop->fds[i].dead)
            loop->fds[out++] = loop->fds[i];
    }
    loop->nfds = out;
}

static void dispatch(osr_loop *loop, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct pollfd *p = &loop->pfds[i];
        if (!p->revents)
            continue;
        for (size_t k = 0; k < loop->nfds; k++) {
            struct fd_entry *e = &loop->fds[k];
            if (e->fd == p->fd && !e->dead) {
                e->cb(loop, e->fd, p->revents, e->payload);
                break;
            }
        }
    }
}

int osr_loop_run_once(osr_loop *loop, long max_wait_ms)
{
    long wait = min_wait(max_wait_ms, timers_wait(loop));
    size_t n = 0;
    int rc;

    for (size_t i = 0; i < loop->nhooks; i++) {
        if (loop->hooks[i].prepare)
            wait = min_wait(wait, loop->hooks[i].prepare(loop, loop->hooks[i].payload));
    }
    /* A prepare hook may have run handlers that added timers (HTTP requests do). */
    wait = min_wait(wait, timers_wait(loop));
    if (loop->stop)
        return 0;
    sweep(loop);
    loop->pfds = osr_xgrow(loop->pfds, &loop->pfds_cap, loop->nfds + 1, sizeof(*loop->pfds));
    for (size_t i = 0; i < loop->nfds; i++) {
        loop->pfds[n].fd = loop->fds[i].fd;
        loop->pfds[n].events = loop->fds[i].events;
        loop->pfds[n].revents = 0;
        n++;
    }
    rc = poll(loop->pfds, n, wait > INT32_MAX ? INT32_MAX : (int)wait);
    if (rc < 0 && errno != EINTR)
        return osr_error_set_errno(-OSR_EIO, "poll failed");
    if (rc > 0)
        dispatch(loop, n);
    run_timers(loop);
    for (size_t i = 0; i < loop->nhooks; i++) {
        if (loop->hooks[i].check)
            loop->hooks[i].check(loop, loop->hooks[i].payload);
    }
    return 0;
}

int osr_loop_run(osr_loop *loop)
{
    while (!loop->stop) {
        int rc;
        sweep(loop);
        if (loop->nfds == 0 && loop->ntimers == 0 && loop->nhooks == 0)
            break;
        if ((rc = osr_loop_run_once(loop, -1)) < 0)
            return rc;
    }
    return 0;
}
