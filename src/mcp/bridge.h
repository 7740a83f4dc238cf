/*
 * bridge.h - delegated tool calls: the server runs its own executable as a child
 * (DESIGN.md §5.3) and reads its answer on the event loop.
 *
 * The child is posix_spawn'ed from the absolute path of this executable with
 * `mcp <words> ... --json`, in the workspace directory, stdin /dev/null (or a pipe carrying
 * the call's input), in its own process
 * group, with the server's environment plus OSIRIS_CORRELATION_ID; it loads .env and
 * resolves secrets itself, the server never does. stdout and stderr are pipes watched by
 * the loop; the child's exit is watched through a pidfd. When the timeout passes or the
 * call is cancelled the whole group gets SIGTERM, then SIGKILL two seconds later. The child
 * is always reaped and every descriptor closed before `done` runs.
 */
#ifndef OSR_MCP_BRIDGE_H
#define OSR_MCP_BRIDGE_H

#include "core/loop.h"

#include <jansson.h>

struct osr_bridge;

struct osr_bridge_result {
    int exit_code;   /* the child's exit status, or -1 when a signal ended it */
    bool timed_out;  /* the timeout ended it */
    json_t *json;    /* stdout parsed as one JSON document (borrowed), or NULL */
    bool too_large;  /* stdout passed max_output and was dropped */
    const char *err; /* the last part of stderr (at most 2 KiB) */
};

typedef void (*osr_bridge_done_fn)(const struct osr_bridge_result *r, void *payload);
/* A progress line of the child: `done` of `total` (0: unknown), with a message or NULL.
 * Values that do not move forward are dropped, so the caller sees a rising series. */
typedef void (*osr_bridge_progress_fn)(double done, double total, const char *message,
                                       void *payload);

struct osr_bridge_opts {
    const char *cwd;            /* working directory of the child */
    const char *correlation_id; /* passed as OSIRIS_CORRELATION_ID */
    long timeout_ms;            /* 0: none */
    size_t max_output;          /* the most of stdout kept; past it the answer is dropped */
    const char *input;          /* NULL: stdin is /dev/null; else copied and fed through a pipe */
    size_t input_len;
    osr_bridge_done_fn done;         /* required */
    osr_bridge_progress_fn progress; /* NULL: the child gets no progress channel */
    bool database;                   /* the command connects to a database (see mcp/worker.h) */
    void *payload;                   /* passed to both callbacks */
};

/* Starts `argv` (argv[0] is ignored: this executable runs). When `progress` is set the
 * child finds a pipe's write end in OSIRIS_PROGRESS_FD and writes one JSON line per step
 * ({"done":n,"total":m,"message":"..."}, see core/progress.h). Returns NULL with the last
 * error set when the child cannot be started. */
struct osr_bridge *osr_bridge_start(osr_loop *loop, char *const argv[],
                                    const struct osr_bridge_opts *o);
/* Ends the child (TERM, then KILL); `done` is not called. Frees the call once the child is
 * reaped, which may be later, on the loop. */
void osr_bridge_cancel(struct osr_bridge *b);
/* How many children are not yet reaped: a server shutting down runs its loop until this is
 * 0, so every cancelled child is reaped and its call freed. */
size_t osr_bridge_live(void);

#endif
