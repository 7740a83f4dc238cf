/*
 * worker.h - the warm worker of delegated calls (DESIGN.md §7).
 *
 * Starting the executable for every delegated call costs about a millisecond of exec,
 * dynamic linking and page faults. The worker is one child of the server, started once
 * from this executable as `osiris mcp worker`; for each call the server sends it the
 * command line, the working directory, the per-call environment and the child's
 * descriptors (stdin, stdout, stderr, progress) over a socket, and the worker forks a
 * process that runs the command and exits. The worker reports the process id at once and
 * its wait status when it ends. It never loads .env or resolves a secret itself: only the
 * forked processes do, as a started executable would. When the worker cannot be used (it
 * failed to start, died, or did not answer) osr_worker_spawn returns -1 and the caller
 * starts the executable instead.
 */
#ifndef OSR_MCP_WORKER_H
#define OSR_MCP_WORKER_H

#include "core/loop.h"

#include <sys/types.h>

/* Called on the loop when the process ends: `status` is its wait status, or -1 when the
 * worker went away before reporting it. */
typedef void (*osr_worker_exit_fn)(int status, void *payload);

/* Two workers: a light one, and one that has loaded the database client libraries (their
 * dozens of shared objects make every fork and exit slower, so only calls that connect to
 * a database go to it). */
enum osr_worker_kind { OSR_WORKER_LIGHT, OSR_WORKER_DB };

struct osr_worker_call {
    enum osr_worker_kind kind;
    char *const *argv;          /* argv[0] is ignored */
    const char *cwd;            /* NULL: the worker's */
    const char *correlation_id; /* OSIRIS_CORRELATION_ID of the process */
    int in_fd;                  /* -1: /dev/null */
    int out_fd, err_fd;         /* write ends of the caller's pipes */
    int progress_fd;            /* -1: none; else becomes descriptor 3 (OSIRIS_PROGRESS_FD) */
    osr_worker_exit_fn on_exit;
    void *payload;
};

/* Turns the worker on (`enabled`) or off for this process; off by default. */
void osr_worker_enable(osr_loop *loop, bool enabled);
/* Has the worker fork a process for `c` (starting the worker first if needed). Returns 0
 * with *pid set (the process leads its own process group); -1 when the worker cannot be
 * used (start the executable instead); -2 when the worker failed after taking the call
 * (it may have started: report a failure, do not start it again). */
int osr_worker_spawn(const struct osr_worker_call *c, pid_t *pid);
/* Closes the worker's socket; the worker exits once its processes have ended. */
void osr_worker_stop(void);

#endif
