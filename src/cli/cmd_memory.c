/*
 * cmd_memory.c - `osiris mcp memory capture`: stores what an assistant learned in a session,
 * with personal data and secrets removed before anything is written.
 */
#include "cli/commands.h"
#include "core/alloc.h"
#include "core/config.h"
#include "core/fsutil.h"
#include "core/pii.h"

#include <fcntl.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
    "Usage: osiris mcp memory capture --session-id ID --consent [--base-path DIR] [--json]\n\n"
    "Reads a JSON array of events (objects or strings) on stdin and appends them as one line\n"
    "to <mcp_logs_dir>/memory/sessions/ID.jsonl (0600 in 0700 directories), after replacing\n"
    "e-mail addresses, phone, card and IBAN numbers, IP addresses, passwords in URLs and the\n"
    "values of secret-like keys. ID has letters, digits, '_' and '-' (at most 64). Without\n"
    "--consent nothing is stored (exit 4). Files older than mcp.memory_retention_days are\n"
    "removed when the MCP server starts.\n";

int osr_cmd_memory_capture(struct osr_cli *cli, int argc, char **argv)
{
    const char *session = NULL;
    bool consent = false;
    const struct osr_opt opts[] = {{"session-id", OSR_OPT_VALUE, &session},
                                   {"consent", OSR_OPT_FLAG, &consent},
                                   {NULL, 0, NULL}};
    struct osr_config cfg;
    struct osr_diags d;
    struct osr_buf in;
    json_error_t jerr;
    json_t *events = NULL, *line;
    char *dir = NULL, *file = NULL, *path = NULL, *text = NULL, stamp[32];
    size_t redactions;
    time_t now = time(NULL);
    struct tm tm;
    int rc, fd = -1;

    cli->usage = usage;
    if ((rc = osr_cli_parse(cli, argc, argv, opts, 0)) != 0)
        return rc;
    if (cli->help)
        return osr_cli_help(cli);
    if (!consent)
        return osr_cli_error(cli, OSR_EXIT_POLICY, "POLICY/CONSENT_REQUIRED",
                             "ask the user, then pass --consent (consent: true in the tool)",
                             "memory capture needs the user's consent; nothing was stored");
    if (!session || !osr_name_ok(session, strlen(session), 64, false))
        return osr_cli_error(cli, OSR_EXIT_USAGE, "MEMORY/SESSION_ID",
                             "use letters, digits, '_' and '-', at most 64",
                             "--session-id is missing or not a valid session id");
    osr_diags_init(&d);
    osr_config_load(&cfg, &d, cli->base_path);
    if (osr_fs_read_file(&in, "/dev/stdin", (size_t)cfg.mcp.payload_limit_mb << 20) < 0 ||
        !(events = json_loadb(in.ptr ? in.ptr : "", in.len, 0, &jerr)) || !json_is_array(events)) {
        rc = osr_cli_error(
            cli, OSR_EXIT_USAGE, "MEMORY/EVENTS", "send a JSON array of events on stdin",
            "the events are not a JSON array%s%s", events ? "" : ": ", events ? "" : jerr.text);
        goto done;
    }
    redactions = osr_pii_redact_json(events);
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
    line =
        json_pack("{s:s, s:s, s:O}", "timestamp", stamp, "session_id", session, "events", events);
    text = json_dumps(line, JSON_COMPACT);
    json_decref(line);
    {
        char *logs = osr_path_absolute(cfg.fs.mcp_logs_dir, cfg.base_path);
        dir = osr_path_join(logs, "memory/sessions");
        free(logs);
    }
    file = osr_xasprintf("%s.jsonl", session);
    path = osr_path_join(dir, file);
    if (osr_fs_mkdir_p(dir, 0700) < 0 ||
        (fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0 ||
        flock(fd, LOCK_EX) < 0 || osr_fs_write_all(fd, text, strlen(text)) < 0 ||
        osr_fs_write_all(fd, "\n", 1) < 0) {
        rc = osr_cli_error(cli, OSR_EXIT_FAIL, "MEMORY/WRITE", NULL, "cannot write %s", path);
        goto done;
    }
    if (cli->json) {
        char *uri = osr_xasprintf("osiris://mcp/memory/sessions/%s.jsonl", session);
        osr_cli_print_json(json_pack("{s:s, s:s, s:I, s:I, s:s, s:s}", "status", "success",
                                     "session_id", session, "events_written",
                                     (json_int_t)json_array_size(events), "redactions",
                                     (json_int_t)redactions, "memory_uri", uri, "path", path));
        free(uri);
    } else {
        printf("stored %zu events in %s (%zu redactions)\n", json_array_size(events), path,
               redactions);
    }
    rc = OSR_EXIT_OK;
done:
    if (fd >= 0)
        close(fd);
    json_decref(events);
    osr_buf_dispose(&in);
    free(text);
    free(path);
    free(file);
    free(dir);
    osr_config_dispose(&cfg);
    osr_diags_dispose(&d);
    return rc;
}
