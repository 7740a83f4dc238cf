/*
 * progress.c - progress lines on the descriptor named by OSIRIS_PROGRESS_FD.
 */
#include "core/progress.h"
#include "core/compat.h"

#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int progress_fd = -1;
static pthread_once_t progress_once = PTHREAD_ONCE_INIT;

/* Takes the descriptor once; it is kept from any command this one starts. */
static void find_fd(void)
{
    const char *v = getenv("OSIRIS_PROGRESS_FD");
    char *end;
    long fd;

    if (!v || !*v)
        return;
    fd = strtol(v, &end, 10);
    if (*end || fd < 3 || fd > 1024 || fcntl((int)fd, F_GETFD) < 0)
        return;
    fcntl((int)fd, F_SETFD, FD_CLOEXEC);
    progress_fd = (int)fd;
}

void osr_progress(double done, double total, const char *message)
{
    json_t *j;
    char *line;

    pthread_once(&progress_once, find_fd);
    if (progress_fd < 0)
        return;
    j = json_pack("{s:f}", "done", done);
    if (total > 0)
        json_object_set_new(j, "total", json_real(total));
    if (message)
        json_object_set_new(j, "message", json_string(message));
    line = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (line) {
        size_t n = strlen(line);
        line[n] = '\n'; /* replaces the NUL; the write takes n + 1 bytes */
        if (write(progress_fd, line, n + 1) < 0)
            progress_fd = -1; /* the reader is gone: stop reporting */
        free(line);
    }
}
