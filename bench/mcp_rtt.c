/* Round-trip benchmark of an MCP server over stdio (bench/mcp builds and runs it).
 *
 *   mcp_rtt [-n COUNT] [-w WARMUP] [-m METHOD] [-r] [-q] -- SERVER_COMMAND [ARGS...]
 *   mcp_rtt -E
 *
 * Spawns SERVER_COMMAND with pipes on its stdin and stdout, does initialize and
 * notifications/initialized, then sends WARMUP and then COUNT requests of METHOD (default
 * ping) one at a time: write one line, read until the line whose top-level "id" matches.
 * Prints the median, p95, p99, mean, min and max round trip of the COUNT measured requests
 * in microseconds. With -r it also reads VmRSS of the server process from /proc/PID/status
 * after the handshake (plus 500 ms idle) and after the run. -q sends the server's stderr to
 * /dev/null. Output is one `key=value` line per figure group so scripts can parse it.
 * -E makes it the smallest possible server instead, the floor of the transport: it answers
 * every line that has a numeric top-level "id" with an empty result, and nothing else.
 * Standard C and POSIX only; every wait is bounded (10 s per response).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RESPONSE_TIMEOUT_MS 10000

static pid_t child = -1;
static int to_server = -1, from_server = -1;

/* Line reader over the server's stdout. */
static char *buf;
static size_t buf_cap, buf_len, buf_off;

static void die(const char *fmt, const char *arg)
{
    fprintf(stderr, "mcp_rtt: ");
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    if (child > 0) {
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
    }
    exit(2);
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void write_all(const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(to_server, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            die("write to server: %s", strerror(errno));
        }
        p += w;
        n -= (size_t)w;
    }
}

/* Returns the next line (NUL-terminated, without '\n') and its length; dies on EOF or
 * after RESPONSE_TIMEOUT_MS without a complete line. */
static char *read_line(size_t *len)
{
    for (;;) {
        char *nl = buf_len > buf_off ? memchr(buf + buf_off, '\n', buf_len - buf_off) : NULL;
        if (nl) {
            char *line = buf + buf_off;
            *nl = '\0';
            *len = (size_t)(nl - line);
            buf_off = (size_t)(nl - buf) + 1;
            return line;
        }
        if (buf_off > 0) { /* compact */
            memmove(buf, buf + buf_off, buf_len - buf_off);
            buf_len -= buf_off;
            buf_off = 0;
        }
        if (buf_cap - buf_len < 65536) {
            buf_cap = buf_cap ? buf_cap * 2 : 1 << 20;
            buf = realloc(buf, buf_cap);
            if (!buf)
                die("%s", "out of memory");
        }
        struct pollfd pfd = {.fd = from_server, .events = POLLIN};
        int pr = poll(&pfd, 1, RESPONSE_TIMEOUT_MS);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr == 0)
            die("%s", "no response from the server within 10 s");
        ssize_t r = read(from_server, buf + buf_len, buf_cap - buf_len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            die("%s", "the server closed its stdout (exited?)");
        buf_len += (size_t)r;
    }
}

/* Scans the top-level object of a JSON-RPC message: sets *id (or -1 when absent or not a
 * number), *has_method, *has_error. Nested objects and strings are skipped. */
static void scan_message(const char *s, size_t n, long *id, int *has_method, int *has_error)
{
    int depth = 0, expect_key = 0;
    const char *key = NULL;
    size_t key_len = 0;
    *id = -1;
    *has_method = *has_error = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '"') {
            size_t start = ++i;
            while (i < n && s[i] != '"') {
                if (s[i] == '\\')
                    i++;
                i++;
            }
            if (depth == 1 && expect_key) {
                key = s + start;
                key_len = i - start;
                expect_key = 0;
            }
        } else if (c == '{' || c == '[') {
            depth++;
            if (depth == 1 && c == '{')
                expect_key = 1;
        } else if (c == '}' || c == ']') {
            depth--;
        } else if (c == ',' && depth == 1) {
            expect_key = 1;
        } else if (c == ':' && depth == 1 && key) {
            size_t j = i + 1;
            while (j < n && (s[j] == ' ' || s[j] == '\t'))
                j++;
            if (key_len == 2 && memcmp(key, "id", 2) == 0 && j < n && s[j] >= '0' && s[j] <= '9')
                *id = strtol(s + j, NULL, 10);
            else if (key_len == 6 && memcmp(key, "method", 6) == 0)
                *has_method = 1;
            else if (key_len == 5 && memcmp(key, "error", 5) == 0)
                *has_error = 1;
            key = NULL;
        }
    }
}

static size_t last_response_bytes;

/* Waits for the response with this id, skipping notifications and other lines. */
static void await_response(long want, const char *method)
{
    for (;;) {
        size_t len;
        char *line = read_line(&len);
        long id;
        int has_method, has_error;
        scan_message(line, len, &id, &has_method, &has_error);
        if (has_method || id != want)
            continue; /* a notification or a server-to-client request */
        if (has_error) {
            fprintf(stderr, "mcp_rtt: %s answered with an error: %.300s\n", method, line);
            die("%s", "aborting");
        }
        last_response_bytes = len;
        return;
    }
}

static long rss_kib(void)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%ld/status", (long)child);
    FILE *f = fopen(path, "r");
    long kib = -1;
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0) {
            kib = strtol(line + 6, NULL, 10);
            break;
        }
    fclose(f);
    return kib;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double percentile(const double *sorted, size_t n, double p)
{
    /* nearest rank */
    size_t k = (size_t)(p / 100.0 * (double)n + 0.999999);
    if (k < 1)
        k = 1;
    if (k > n)
        k = n;
    return sorted[k - 1];
}

/* -E: answers each request line on stdin with {"jsonrpc":"2.0","id":N,"result":{}}. */
static int echo_server(void)
{
    char *line = NULL, out[96];
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, stdin)) > 0) {
        long id;
        int has_method, has_error;
        scan_message(line, (size_t)len, &id, &has_method, &has_error);
        if (id < 0)
            continue;
        int n = snprintf(out, sizeof out, "{\"jsonrpc\":\"2.0\",\"id\":%ld,\"result\":{}}\n", id);
        for (int off = 0; off < n;) {
            ssize_t w = write(1, out + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0)
                return 1;
            off += (int)w;
        }
    }
    free(line);
    return 0;
}

static void usage(void)
{
    fputs("usage: mcp_rtt [-n COUNT] [-w WARMUP] [-m METHOD] [-r] [-q] -- COMMAND [ARGS...]\n"
          "       mcp_rtt -E   (minimal stdio responder: the floor of the transport)\n",
          stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    long count = 10000, warmup = 500;
    const char *method = "ping";
    int want_rss = 0, quiet = 0, opt;
    while ((opt = getopt(argc, argv, "n:w:m:rqE")) != -1) {
        switch (opt) {
        case 'E':
            return echo_server();
        case 'n':
            count = atol(optarg);
            break;
        case 'w':
            warmup = atol(optarg);
            break;
        case 'm':
            method = optarg;
            break;
        case 'r':
            want_rss = 1;
            break;
        case 'q':
            quiet = 1;
            break;
        default:
            usage();
        }
    }
    if (optind >= argc || count < 1 || warmup < 0)
        usage();
    signal(SIGPIPE, SIG_IGN);

    int in_pipe[2], out_pipe[2];
    if (pipe(in_pipe) < 0 || pipe(out_pipe) < 0)
        die("pipe: %s", strerror(errno));
    child = fork();
    if (child < 0)
        die("fork: %s", strerror(errno));
    if (child == 0) {
        dup2(in_pipe[0], 0);
        dup2(out_pipe[1], 1);
        if (quiet) {
            int devnull = open("/dev/null", O_WRONLY);
            if (devnull >= 0)
                dup2(devnull, 2);
        }
        close(in_pipe[0]);
        close(in_pipe[1]);
        close(out_pipe[0]);
        close(out_pipe[1]);
        execvp(argv[optind], argv + optind);
        fprintf(stderr, "mcp_rtt: cannot run %s: %s\n", argv[optind], strerror(errno));
        _exit(127);
    }
    close(in_pipe[0]);
    close(out_pipe[1]);
    to_server = in_pipe[1];
    from_server = out_pipe[0];

    char msg[512];
    double t0 = now_us();
    int n =
        snprintf(msg, sizeof msg,
                 "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{"
                 "\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},"
                 "\"clientInfo\":{\"name\":\"osiris-bench-mcp-rtt\",\"version\":\"1.0.0\"}}}\n");
    write_all(msg, (size_t)n);
    await_response(0, "initialize");
    double t_init = now_us() - t0;
    n = snprintf(msg, sizeof msg,
                 "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n");
    write_all(msg, (size_t)n);

    long rss_idle = -1;
    if (want_rss) {
        struct timespec idle = {0, 500 * 1000 * 1000};
        nanosleep(&idle, NULL);
        rss_idle = rss_kib();
    }

    double *rtt = malloc(sizeof(double) * (size_t)count);
    if (!rtt)
        die("%s", "out of memory");
    long id = 1;
    double run_start = now_us();
    for (long i = 0; i < warmup + count; i++, id++) {
        n = snprintf(msg, sizeof msg, "{\"jsonrpc\":\"2.0\",\"id\":%ld,\"method\":\"%s\"}\n", id,
                     method);
        double a = now_us();
        write_all(msg, (size_t)n);
        await_response(id, method);
        double b = now_us();
        if (i >= warmup)
            rtt[i - warmup] = b - a;
    }
    double run_s = (now_us() - run_start) / 1e6;
    long rss_after = want_rss ? rss_kib() : -1;

    /* Shut down: close stdin, wait up to 3 s, then SIGTERM, then SIGKILL. */
    close(to_server);
    int status = 0, exited = 0;
    for (int i = 0; i < 300 && !exited; i++) {
        if (waitpid(child, &status, WNOHANG) == child)
            exited = 1;
        else {
            struct timespec ten_ms = {0, 10 * 1000 * 1000};
            nanosleep(&ten_ms, NULL);
        }
    }
    const char *shutdown = "eof";
    if (!exited) {
        kill(child, SIGTERM);
        shutdown = "sigterm";
        for (int i = 0; i < 100 && !exited; i++) {
            if (waitpid(child, &status, WNOHANG) == child)
                exited = 1;
            else {
                struct timespec ten_ms = {0, 10 * 1000 * 1000};
                nanosleep(&ten_ms, NULL);
            }
        }
    }
    if (!exited) {
        kill(child, SIGKILL);
        waitpid(child, &status, 0);
        shutdown = "sigkill";
    }

    double sum = 0;
    for (long i = 0; i < count; i++)
        sum += rtt[i];
    qsort(rtt, (size_t)count, sizeof(double), cmp_double);
    printf("method=%s n=%ld warmup=%ld median_us=%.1f p95_us=%.1f p99_us=%.1f mean_us=%.1f "
           "min_us=%.1f max_us=%.1f response_bytes=%zu run_s=%.2f initialize_us=%.0f\n",
           method, count, warmup, percentile(rtt, (size_t)count, 50),
           percentile(rtt, (size_t)count, 95), percentile(rtt, (size_t)count, 99),
           sum / (double)count, rtt[0], rtt[count - 1], last_response_bytes, run_s, t_init);
    if (want_rss)
        printf("rss_idle_kib=%ld rss_after_kib=%ld\n", rss_idle, rss_after);
    if (WIFSIGNALED(status) && strcmp(shutdown, "eof") == 0)
        printf("server_exit=signal:%d shutdown=%s\n", WTERMSIG(status), shutdown);
    else
        printf("server_exit=%d shutdown=%s\n",
               WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status), shutdown);
    free(rtt);
    return 0;
}
