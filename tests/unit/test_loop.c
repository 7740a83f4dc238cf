/*
 * test_loop.c - the poll(2) event loop (core/loop.h).
 *
 * Covers timers (delay respected, deadline order also when several are overdue together,
 * cancellation before the run and from inside another timer's callback, re-arming from a
 * callback), descriptors on a pipe (readiness, osr_loop_set_events, duplicates refused,
 * removal from inside the descriptor's own callback and of another ready descriptor),
 * prepare/check hooks (order, the wait they contribute), osr_loop_stop, and osr_loop_run
 * returning once nothing is left to wait for. All descriptors are real pipes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/error.h"
#include "core/loop.h"

#include <fcntl.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

/* Records the order in which callbacks ran. */
struct trace {
    int seen[32];
    size_t n;
};

static void trace_push(struct trace *t, int v)
{
    assert_true(t->n < OSR_ARRAY_LEN(t->seen));
    t->seen[t->n++] = v;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

static void make_pipe(int fds[2])
{
    assert_int_equal(pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
}

/* Each test gets a fresh loop, freed even when an assertion fails. */
static int loop_setup(void **state)
{
    *state = osr_loop_new();
    return 0;
}

static int loop_teardown(void **state)
{
    osr_loop_free(*state);
    return 0;
}

/* ---- timers ---- */

struct tagged {
    struct trace *trace;
    int tag;
};

static void on_tagged(osr_loop *loop, void *payload)
{
    struct tagged *t = payload;
    OSR_UNUSED(loop);
    trace_push(t->trace, t->tag);
}

static void test_run_empty_returns(void **state)
{
    osr_loop *loop = *state;

    assert_int_equal(osr_loop_run(loop), 0);
    assert_false(osr_loop_stopping(loop));
    osr_loop_free(NULL);
}

static void test_timers_fire_in_order(void **state)
{
    osr_loop *loop = *state;
    struct trace tr = {{0}, 0};
    struct tagged a = {&tr, 100}, b = {&tr, 20}, c = {&tr, 60};
    uint64_t start = osr_now_us(), ids[3];

    /* Added out of order, 40 ms apart, so each is due in an iteration of its own. */
    ids[0] = osr_loop_add_timer(loop, 100, on_tagged, &a);
    ids[1] = osr_loop_add_timer(loop, 20, on_tagged, &b);
    ids[2] = osr_loop_add_timer(loop, 60, on_tagged, &c);
    for (size_t i = 0; i < 3; i++) {
        assert_true(ids[i] != 0);
        for (size_t j = 0; j < i; j++)
            assert_true(ids[i] != ids[j]);
    }
    assert_int_equal(osr_loop_run(loop), 0);
    assert_int_equal(tr.n, 3);
    assert_int_equal(tr.seen[0], 20);
    assert_int_equal(tr.seen[1], 60);
    assert_int_equal(tr.seen[2], 100);
    /* Millisecond rounding may shorten a delay by less than 1 ms, never more. */
    assert_true(osr_now_us() - start >= 99000);
}

static void test_overdue_timers_fire_in_deadline_order(void **state)
{
    osr_loop *loop = *state;
    struct trace tr = {{0}, 0};
    struct tagged late = {&tr, 3}, early = {&tr, 1}, early2 = {&tr, 2};

    /* All three are overdue when the loop first looks: a busy loop must still honour the
     * deadlines, and equal deadlines keep the order in which the timers were added. */
    osr_loop_add_timer(loop, 20, on_tagged, &late);
    osr_loop_add_timer(loop, 0, on_tagged, &early);
    osr_loop_add_timer(loop, 0, on_tagged, &early2);
    sleep_ms(40);
    assert_int_equal(osr_loop_run_once(loop, 0), 0);
    assert_int_equal(tr.n, 3);
    if (tr.seen[0] != 1 || tr.seen[1] != 2 || tr.seen[2] != 3)
        fail_msg("overdue timers fired as %d,%d,%d; expected 1,2,3 (deadline, then added)",
                 tr.seen[0], tr.seen[1], tr.seen[2]);
}

static void test_timer_delay_respected(void **state)
{
    osr_loop *loop = *state;
    struct trace tr = {{0}, 0};
    struct tagged t = {&tr, 1};

    osr_loop_add_timer(loop, 50, on_tagged, &t);
    assert_int_equal(osr_loop_run_once(loop, 0), 0);
    assert_int_equal(tr.n, 0); /* not due yet, and run_once(0) does not wait */
    assert_int_equal(osr_loop_run(loop), 0);
    assert_int_equal(tr.n, 1);
}

static void test_cancel_before_run(void **state)
{
    osr_loop *loop = *state;
    struct trace tr = {{0}, 0};
    struct tagged a = {&tr, 1}, b = {&tr, 2};
    uint64_t id;

    id = osr_loop_add_timer(loop, 5, on_tagged, &a);
    osr_loop_add_timer(loop, 10, on_tagged, &b);
    osr_loop_cancel_timer(loop, id);
    osr_loop_cancel_timer(loop, id);     /* twice: harmless */
    osr_loop_cancel_timer(loop, 999999); /* unknown: harmless */
    osr_loop_cancel_timer(loop, 0);
    assert_int_equal(osr_loop_run(loop), 0);
    assert_int_equal(tr.n, 1);
    assert_int_equal(tr.seen[0], 2);
}

static void test_cancel_only_timer_lets_run_return(void **state)
{
    osr_loop *loop = *state;
    struct trace tr = {{0}, 0};
    struct tagged a = {&tr, 1};
    uint64_t start = osr_now_ms();

    osr_loop_cancel_timer(loop, osr_loop_add_timer(loop, 10000, on_tagged, &a));
    assert_int_equal(osr_loop_run(loop), 0);
    assert_int_equal(tr.n, 0);
    assert_true(osr_now_ms() - start < 5000);
}

struct canceller {
    struct trace *trace;
    int tag;
    uint64_t victim;
};

static void on_cancel_other(osr_loop *loop, void *payload)
{
    struct canceller *c = payload;
    trace_push(c->trace, c->tag);
    osr_loop_cancel_timer(loop, c->victim);
}

static void test_cancel_from_timer_callback(void **state)
{
    osr_loop *loop = *state;
    struct trace tr = {{0}, 0};
    struct canceller first = {&tr, 1, 0};
    struct tagged victim = {&tr, 2}, after = {&tr, 3};

    osr_loop_add_timer(loop, 1, on_cancel_other, &first);
    first.victim = osr_loop_add_timer(loop, 30, on_tagged, &victim);
    osr_loop_add_timer(loop, 40, on_tagged, &after);
    assert_int_equal(osr_loop_run(loop), 0);
    assert_int_equal(tr.n, 2);
    assert_int_equal(tr.seen[0], 1);
    assert_int_equal(tr.seen[1], 3);
}

static void test_cancel_due_timer_from_timer_callback(void **state)
{
    osr_loop *loop = *state;
    struct trace tr = {{0}, 0};
    struct canceller a = {&tr, 1, 0}, b = {&tr, 2, 0};
    struct tagged c = {&tr, 3};

    /* Both are due in the same iteration; whichever runs first cancels the other. */
    b.victim = osr_loop_add_timer(loop, 0, on_cancel_other, &a);
    a.victim = osr_loop_add_timer(loop, 0, on_cancel_other, &b);
    osr_loop_add_timer(loop, 0, on_tagged, &c);
    sleep_ms(5);
    assert_int_equal(osr_loop_run_once(loop, 0), 0);
    assert_int_equal(tr.n, 2);
    /* Exactly one of the two cancellers ran, and the plain timer ran once. */
    assert_int_equal((tr.seen[0] != 3) + (tr.seen[1] != 3), 1);
    assert_int_equal((tr.seen[0] == 3) + (tr.seen[1] == 3), 1);
    assert_int_equal(osr_loop_run(loop), 0);
    assert_int_equal(tr.n, 2);
}

struct rearm {
    int count, limit;
};

static void on_rearm(osr_loop *loop, void *payload)
{
    struct rearm *r = payload;
    if (++r->count < r->limit)
        assert_true(osr_loop_add_timer(loop, 1, on_rearm, r) != 0);
}

static void test_timer_added_from_callback(void **state)
{
    osr_loop *loop = *state;
    struct rearm r = {0, 5};

    osr_loop_add_timer(loop, 0, on_rearm, &r);
    assert_int_equal(osr_loop_run(loop), 0);
    assert_int_equal(r.count, 5);
}

static void test_free_with_pending_timers(void **state)
{
    osr_loop *loop = osr_loop_new();
    struct trace tr = {{0}, 0};
    struct tagged a = {&tr, 1};

    (void)state;
    for (int i = 0; i < 20; i++)
        osr_loop_add_timer(loop, 60000, on_tagged, &a);
    osr_loop_free(loop); /* ASan checks that nothing leaks */
    assert_int_equal(tr.n, 0);
}

/* ---- descriptors ---- */

struct reader {
    int calls;
    short revents;
    char data[64];
    size_t len;
    bool remove_self;
    int also_remove; /* another descriptor to remove, or -1 */
};

static void on_readable(osr_loop *loop, int fd, short revents, void *payload)
{
    struct reader *r = payload;
    ssize_t n;

    r->calls++;
    r->revents = revents;
    n = read(fd, r->data + r->len, sizeof(r->data) - 1 - r->len);
    if (n > 0)
        r->len += (size_t)n;
    r->data[r->len] = '\0';
    if (r->remove_self)
        osr_loop_remove_fd(loop, fd);
    if (r->also_remove >= 0)
        osr_loop_remove_fd(loop, r->also_remove);
}

static void test_fd_callback_on_pipe(void **state)
{
    osr_loop *loop = *state;
    struct reader r = {.also_remove = -1};
    int p[2];

    make_pipe(p);
    assert_int_equal(osr_loop_add_fd(loop, p[0], POLLIN, on_readable, &r), 0);
    assert_int_equal(osr_loop_run_once(loop, 0), 0);
    assert_int_equal(r.calls, 0);
    assert_int_equal(write(p[1], "hello", 5), 5);
    assert_int_equal(osr_loop_run_once(loop, 1000), 0);
    assert_int_equal(r.calls, 1);
    assert_true(r.revents & POLLIN);
    assert_string_equal(r.data, "hello");
    /* Drained: nothing more to report. */
    assert_int_equal(osr_loop_run_once(loop, 0), 0);
    assert_int_equal(r.calls, 1);
    osr_loop_remove_fd(loop, p[0]);
    close(p[0]);
    close(p[1]);
}

static void test_fd_hangup_reported(void **state)
{
    osr_loop *loop = *state;
    struct reader r = {.also_remove = -1, .remove_self = true};
    int p[2];

    make_pipe(p);
    assert_int_equal(osr_loop_add_fd(loop, p[0], POLLIN, on_readable, &r), 0);
    close(p[1]);
    assert_int_equal(osr_loop_run(loop), 0); /* returns: the callback removed the last fd */
    assert_int_equal(r.calls, 1);
    assert_true(r.revents & POLLHUP);
    close(p[0]);
}

static void test_duplicate_fd_refused(void **state)
{
    osr_loop *loop = *state;
    struct reader r = {.also_remove = -1};
    int p[2];

    make_pipe(p);
    assert_int_equal(osr_loop_add_fd(loop, p[0], POLLIN, on_readable, &r), 0);
    assert_int_equal(osr_loop_add_fd(loop, p[0], POLLIN, on_readable, &r), -OSR_EEXISTS);
    assert_non_null(strstr(osr_error_last(), "already watched"));
    /* Once removed, the descriptor may be watched again. */
    osr_loop_remove_fd(loop, p[0]);
    assert_int_equal(osr_loop_add_fd(loop, p[0], POLLIN, on_readable, &r), 0);
    assert_int_equal(write(p[1], "x", 1), 1);
    assert_int_equal(osr_loop_run_once(loop, 1000), 0);
    assert_int_equal(r.calls, 1); /* once, not once per registration */
    close(p[0]);
    close(p[1]);
}

static void on_writable(osr_loop *loop, int fd, short revents, void *payload)
{
    int *calls = payload;
    OSR_UNUSED(revents);
    (*calls)++;
    osr_loop_set_events(loop, fd, 0);
}

static void test_set_events(void **state)
{
    osr_loop *loop = *state;
    int p[2], calls = 0;

    make_pipe(p);
    assert_int_equal(osr_loop_add_fd(loop, p[1], 0, on_writable, &calls), 0);
    assert_int_equal(osr_loop_run_once(loop, 0), 0);
    assert_int_equal(calls, 0);
    osr_loop_set_events(loop, p[1], POLLOUT);
    assert_int_equal(osr_loop_run_once(loop, 1000), 0);
    assert_int_equal(calls, 1);
    /* The callback turned the interest off again. */
    assert_int_equal(osr_loop_run_once(loop, 0), 0);
    assert_int_equal(calls, 1);
    close(p[0]);
    close(p[1]);
}

static void test_remove_fd_inside_own_callback(void **state)
{
    osr_loop *loop = *state;
    struct reader r = {.also_remove = -1, .remove_self = true};
    int p[2];

    make_pipe(p);
    assert_int_equal(osr_loop_add_fd(loop, p[0], POLLIN, on_readable, &r), 0);
    assert_int_equal(write(p[1], "a", 1), 1);
    assert_int_equal(osr_loop_run_once(loop, 1000), 0);
    assert_int_equal(r.calls, 1);
    /* More data, but the descriptor is no longer watched. */
    assert_int_equal(write(p[1], "b", 1), 1);
    assert_int_equal(osr_loop_run_once(loop, 20), 0);
    assert_int_equal(r.calls, 1);
    /* Nothing left: run returns at once although the pipe is readable. */
    assert_int_equal(osr_loop_run(loop), 0);
    assert_int_equal(r.calls, 1);
    close(p[0]);
    close(p[1]);
}

static void test_remove_other_ready_fd_inside_callback(void **state)
{
    osr_loop *loop = *state;
    struct reader ra = {.also_remove = -1}, rb = {.also_remove = -1};
    int a[2], b[2];

    make_pipe(a);
    make_pipe(b);
    ra.also_remove = b[0];
    rb.also_remove = a[0];
    assert_int_equal(osr_loop_add_fd(loop, a[0], POLLIN, on_readable, &ra), 0);
    assert_int_equal(osr_loop_add_fd(loop, b[0], POLLIN, on_readable, &rb), 0);
    assert_int_equal(write(a[1], "1", 1), 1);
    assert_int_equal(write(b[1], "2", 1), 1);
    /* Both are ready in the same poll; the first callback removes the other descriptor,
     * whose callback must then not run. */
    assert_int_equal(osr_loop_run_once(loop, 1000), 0);
    assert_int_equal(ra.calls + rb.calls, 1);
    close(a[0]);
    close(a[1]);
    close(b[0]);
    close(b[1]);
}

/* ---- hooks and stop ---- */

struct hooks {
    struct trace *trace;
    int tag;
    long wait;
    int checks, stop_after;
};

static long on_prepare(osr_loop *loop, void *payload)
{
    struct hooks *h = payload;
    OSR_UNUSED(loop);
    trace_push(h->trace, h->tag);
    return h->wait;
}

static long on_check(osr_loop *loop, void *payload)
{
    struct hooks *h = payload;
    trace_push(h->trace, -h->tag);
    if (++h->checks == h->stop_after)
        osr_loop_stop(loop);
    return -1;
}

static void test_hooks_order_and_stop(void **state)
{
    osr_loop *loop = *state;
    struct trace tr = {{0}, 0};
    struct hooks h1 = {&tr, 1, 1, 0, 2}, h2 = {&tr, 2, -1, 0, 0};
    static const int want[] = {1, 2, -1, -2, 1, 2, -1, -2};

    osr_loop_add_hooks(loop, on_prepare, on_check, &h1);
    osr_loop_add_hooks(loop, on_prepare, on_check, &h2);
    /* Hooks alone keep the loop alive; h1's check stops it after two iterations, and h1's
     * prepare bounds each wait to 1 ms so the loop does not sleep for ever. */
    assert_int_equal(osr_loop_run(loop), 0);
    assert_true(osr_loop_stopping(loop));
    assert_int_equal(tr.n, OSR_ARRAY_LEN(want));
    for (size_t i = 0; i < OSR_ARRAY_LEN(want); i++)
        assert_int_equal(tr.seen[i], want[i]);
}

static void test_prepare_bounds_wait(void **state)
{
    osr_loop *loop = *state;
    struct trace tr = {{0}, 0};
    struct hooks h = {&tr, 1, 30, 0, 0};
    struct reader r = {.also_remove = -1};
    int p[2];
    uint64_t start;

    make_pipe(p);
    assert_int_equal(osr_loop_add_fd(loop, p[0], POLLIN, on_readable, &r), 0);
    osr_loop_add_hooks(loop, on_prepare, NULL, &h);
    start = osr_now_ms();
    /* No limit from the caller: the prepare hook's 30 ms ends the wait. */
    assert_int_equal(osr_loop_run_once(loop, -1), 0);
    assert_true(osr_now_ms() - start < 5000);
    assert_int_equal(r.calls, 0);
    assert_int_equal(tr.n, 1);
    close(p[0]);
    close(p[1]);
}

static void test_max_wait_respected(void **state)
{
    osr_loop *loop = *state;
    struct reader r = {.also_remove = -1};
    int p[2];
    uint64_t start;

    make_pipe(p);
    assert_int_equal(osr_loop_add_fd(loop, p[0], POLLIN, on_readable, &r), 0);
    start = osr_now_us();
    assert_int_equal(osr_loop_run_once(loop, 30), 0);
    assert_true(osr_now_us() - start >= 29000);
    assert_true(osr_now_us() - start < 5000000);
    close(p[0]);
    close(p[1]);
}

static void on_stop(osr_loop *loop, void *payload)
{
    int *calls = payload;
    (*calls)++;
    osr_loop_stop(loop);
}

static void test_stop_from_timer(void **state)
{
    osr_loop *loop = *state;
    int calls = 0, never = 0;
    uint64_t start = osr_now_ms(), far;

    osr_loop_add_timer(loop, 1, on_stop, &calls);
    far = osr_loop_add_timer(loop, 60000, on_stop, &never);
    assert_false(osr_loop_stopping(loop));
    assert_int_equal(osr_loop_run(loop), 0);
    assert_int_equal(calls, 1);
    assert_int_equal(never, 0);
    assert_true(osr_loop_stopping(loop));
    assert_true(osr_now_ms() - start < 5000);
    osr_loop_cancel_timer(loop, far);
}

static void on_readable_stop(osr_loop *loop, int fd, short revents, void *payload)
{
    OSR_UNUSED(fd);
    OSR_UNUSED(revents);
    on_stop(loop, payload);
}

static void test_stop_from_fd_callback(void **state)
{
    osr_loop *loop = *state;
    int p[2], calls = 0;

    make_pipe(p);
    assert_int_equal(osr_loop_add_fd(loop, p[0], POLLIN, on_readable_stop, &calls), 0);
    assert_int_equal(write(p[1], "x", 1), 1);
    /* The data is never read: without stop the loop would spin for ever. */
    assert_int_equal(osr_loop_run(loop), 0);
    assert_int_equal(calls, 1);
    close(p[0]);
    close(p[1]);
}

static void test_clock(void **state)
{
    uint64_t ms = osr_now_ms(), us = osr_now_us();

    (void)state;
    assert_true(us / 1000 >= ms);
    assert_true(us / 1000 - ms < 1000);
    sleep_ms(2);
    assert_true(osr_now_us() > us);
    assert_true(osr_now_ms() >= ms + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_run_empty_returns, loop_setup, loop_teardown),
        cmocka_unit_test_setup_teardown(test_timers_fire_in_order, loop_setup, loop_teardown),
        cmocka_unit_test_setup_teardown(test_overdue_timers_fire_in_deadline_order, loop_setup,
                                        loop_teardown),
        cmocka_unit_test_setup_teardown(test_timer_delay_respected, loop_setup, loop_teardown),
        cmocka_unit_test_setup_teardown(test_cancel_before_run, loop_setup, loop_teardown),
        cmocka_unit_test_setup_teardown(test_cancel_only_timer_lets_run_return, loop_setup,
                                        loop_teardown),
        cmocka_unit_test_setup_teardown(test_cancel_from_timer_callback, loop_setup, loop_teardown),
        cmocka_unit_test_setup_teardown(test_cancel_due_timer_from_timer_callback, loop_setup,
                                        loop_teardown),
        cmocka_unit_test_setup_teardown(test_timer_added_from_callback, loop_setup, loop_teardown),
        cmocka_unit_test(test_free_with_pending_timers),
        cmocka_unit_test_setup_teardown(test_fd_callback_on_pipe, loop_setup, loop_teardown),
        cmocka_unit_test_setup_teardown(test_fd_hangup_reported, loop_setup, loop_teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_fd_refused, loop_setup, loop_teardown),
        cmocka_unit_test_setup_teardown(test_set_events, loop_setup, loop_teardown),
        cmocka_unit_test_setup_teardown(test_remove_fd_inside_own_callback, loop_setup,
                                        loop_teardown),
        cmocka_unit_test_setup_teardown(test_remove_other_ready_fd_inside_callback, loop_setup,
                                        loop_teardown),
        cmocka_unit_test_setup_teardown(test_hooks_order_and_stop, loop_setup, loop_teardown),
        cmocka_unit_test_setup_teardown(test_prepare_bounds_wait, loop_setup, loop_teardown),
        cmocka_unit_test_setup_teardown(test_max_wait_respected, loop_setup, loop_teardown),
        cmocka_unit_test_setup_teardown(test_stop_from_timer, loop_setup, loop_teardown),
        cmocka_unit_test_setup_teardown(test_stop_from_fd_callback, loop_setup, loop_teardown),
        cmocka_unit_test(test_clock),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
