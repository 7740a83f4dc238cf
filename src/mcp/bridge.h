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
    const char *err; /* the last part of stderr (at most 2 KiB) */
};

typedef void (*osr_bridge_done_fn)(const struct osr_bridge_result *r, void *payload);

/* Starts `argv` (argv[0] is ignored: this executable runs). Returns NULL with the last
 * error set when the child cannot be started. */
struct osr_bridge *osr_bridge_start(osr_loop *loop, char *const argv[], const char *cwd,
                                    const char *correlation_id, long timeout_ms, size_t max_output,
                                    osr_bridge_done_fn done, void *payload);
/* Like osr_bridge_start, with `input` (copied) written to the child's stdin through a pipe
 * instead of /dev/null: large or private arguments never go through argv. */
struct osr_bridge *osr_bridge_start_input(osr_loop *loop, char *const argv[], const char *cwd,
                                          const char *correlation_id, long timeout_ms,
                                          size_t max_output, const char *input, size_t input_len,
                                          osr_bridge_done_fn done, void *payload);
/* Ends the child (TERM, then KILL); `done` is not called. Frees the call once the child is
 * reaped, which may be later, on the loop. */
void osr_bridge_cancel(struct osr_bridge *b);

#endif
