/*
 * loop.h - the one event loop of a server process.
 *
 * A poll(2) loop that owns file descriptors (stdin, sockets, child pipes, the HTTP
 * daemon's epoll descriptor) and timers. Callbacks run on the loop's thread, one at a
 * time, so nothing that hangs off the loop needs locks. Hooks run before each poll (to
 * contribute a timeout, as libmicrohttpd needs) and after it. Descriptors and timers may
 * be added or removed from inside callbacks.
 */
#ifndef OSR_LOOP_H
#define OSR_LOOP_H

#include "core/compat.h"

typedef struct osr_loop osr_loop;

typedef void (*osr_loop_fd_cb)(osr_loop *loop, int fd, short revents, void *payload);
typedef void (*osr_loop_timer_cb)(osr_loop *loop, void *payload);
/* Called before each poll; returns the longest wait it allows in ms (-1: no limit). */
typedef long (*osr_loop_hook_cb)(osr_loop *loop, void *payload);

osr_loop *osr_loop_new(void);
void osr_loop_free(osr_loop *loop);

int osr_loop_add_fd(osr_loop *loop, int fd, short events, osr_loop_fd_cb cb, void *payload);
void osr_loop_set_events(osr_loop *loop, int fd, short events);
void osr_loop_remove_fd(osr_loop *loop, int fd);

/* Runs cb once after `delay_ms`; returns an id for osr_loop_cancel_timer (never 0). */
uint64_t osr_loop_add_timer(osr_loop *loop, uint64_t delay_ms, osr_loop_timer_cb cb, void *payload);
void osr_loop_cancel_timer(osr_loop *loop, uint64_t id);

/* Hooks run in registration order before every poll (prepare) and after it (check). */
void osr_loop_add_hooks(osr_loop *loop, osr_loop_hook_cb prepare, osr_loop_hook_cb check,
                        void *payload);

/* Asks the loop to return after the current iteration. Safe from callbacks only. */
void osr_loop_stop(osr_loop *loop);
bool osr_loop_stopping(const osr_loop *loop);
/* Undoes osr_loop_stop, so the loop can run again (to finish work after a stop). */
void osr_loop_resume(osr_loop *loop);
/* Runs until osr_loop_stop() or until nothing is left to wait for. */
int osr_loop_run(osr_loop *loop);
/* Runs one iteration, waiting at most `max_wait_ms` (-1: as long as needed). */
int osr_loop_run_once(osr_loop *loop, long max_wait_ms);

/* Milliseconds of CLOCK_MONOTONIC. */
uint64_t osr_now_ms(void);
/* Microseconds of CLOCK_MONOTONIC. */
uint64_t osr_now_us(void);

#endif
