/*
 * dispatch.c - the osiris command line: finds the command and hands over (osr_cli_main,
 * called by main.c and by the MCP server's warm worker for each delegated call).
 *
 * The command table is data: each row is the command words, the handler and a one-line
 * summary used by `osiris --help`. `--version` is answered before anything else is
 * touched, so it costs only the process start.
 */
#include "cli/commands.h"
#include "version.h"

#include <signal.h>
#include <sys/prctl.h>

struct command {
    const char *words; /* "connections list" */
    int (*run)(struct osr_cli *cli, int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"init", osr_cmd_init, "create a workspace (configuration, connections, demo database)"},
    {"validate", osr_cmd_validate, "check osiris.yaml and osiris_connections.yaml"},
    {"connections list", osr_cmd_connections_list, "list connections with secrets masked"},
    {"connections doctor", osr_cmd_connections_doctor, "check each connection for real"},
    {"components list", osr_cmd_components_list, "list the component specs"},
    {"components show", osr_cmd_components_show, "show one component spec"},
    {"discovery run", osr_cmd_discovery_run, "discover tables, columns and sample rows"},
    {"oml validate", osr_cmd_oml_validate, "check an OML pipeline, with line and column"},
    {"compile", osr_cmd_compile, "compile a pipeline into a reproducible build"},
    {"run", osr_cmd_run, "run a pipeline (OML or a compiled manifest)"},
    {"mcp run", osr_cmd_mcp_run, "serve MCP over stdio or Streamable HTTP"},
    {"mcp clients", osr_cmd_mcp_clients, "the block to configure an MCP client"},
    {"mcp connections list", osr_cmd_connections_list, "connections list, for the MCP server"},
    {"mcp connections doctor", osr_cmd_connections_doctor,
     "connections doctor, for the MCP server"},
    {"mcp discovery run", osr_cmd_discovery_run, "discovery run, for the MCP server"},
    {"mcp compile", osr_cmd_compile, "compile, for the MCP server"},
    {"mcp pipeline run", osr_cmd_run, "run, for the MCP server"},
    {"mcp memory capture", osr_cmd_memory_capture, "store a session's learnings, redacted"},
    {"mcp worker", osr_cmd_mcp_worker, "(started by mcp run) forks a process per delegated call"},
    {"mcp aiop list", osr_cmd_aiop_list, "the runs that left an AI Operation Package"},
    {"mcp aiop show", osr_cmd_aiop_show, "the AI Operation Package of one run"},
    {"logs audit", osr_cmd_logs_audit, "check the hash chain of the MCP audit files"},
    {"logs list", osr_cmd_logs_list, "the recorded runs, newest first"},
    {"logs show", osr_cmd_logs_show, "one run: its record, steps and events"},
    {"logs last", osr_cmd_logs_last, "the newest run"},
    {"logs aiop", osr_cmd_logs_aiop, "a run's AI Operation Package or run card"},
    {"logs html", osr_cmd_logs_html, "a run's report as one self-contained HTML page"},
};

static void print_help(void)
{
    printf("Usage: osiris [--base-path DIR] [--json] COMMAND [ARGS]\n\n"
           "Osiris compiles and runs data pipelines written in OML, and serves them to AI\n"
           "assistants over MCP.\n\nCommands:\n");
    for (size_t i = 0; i < OSR_ARRAY_LEN(commands); i++)
        printf("  %-24s %s\n", commands[i].words, commands[i].summary);
    printf("\nGlobal options:\n"
           "  --base-path DIR          workspace directory (else OSIRIS_HOME, else\n"
           "                           filesystem.base_path of ./osiris.yaml, else the current\n"
           "                           dir)\n"
           "  --json                   print exactly one JSON document on stdout\n"
           "  --help                   show help for a command\n"
           "  --version                print the version\n\n"
           "Exit codes: 0 success, 1 failure, 2 bad usage or invalid input,\n"
           "3 connection failure, 4 refused by policy.\n");
}

/* Number of leading words of argv that match `words`, or 0. */
static int match_words(const char *words, int argc, char **argv)
{
    int n = 0;
    const char *w = words;

    while (*w) {
        size_t len = strcspn(w, " ");
        if (n >= argc || strlen(argv[n]) != len || memcmp(argv[n], w, len) != 0)
            return 0;
        n++;
        w += len;
        while (*w == ' ')
            w++;
    }
    return n;
}

static bool is_global_with_value(const char *a)
{
    return strcmp(a, "--base-path") == 0;
}

/* `osiris connections` without (or with an unknown) subcommand. */
static int group_usage(struct osr_cli *cli, const char *group, const char *sub)
{
    char list[256] = "";
    size_t n = strlen(group);

    for (size_t c = 0; c < OSR_ARRAY_LEN(commands); c++) {
        if (strncmp(commands[c].words, group, n) == 0 && commands[c].words[n] == ' ') {
            if (list[0])
                strncat(list, ", ", sizeof(list) - strlen(list) - 1);
            strncat(list, commands[c].words + n + 1, sizeof(list) - strlen(list) - 1);
        }
    }
    if (sub && sub[0] != '-')
        return osr_cli_error(cli, OSR_EXIT_USAGE, "CLI/UNKNOWN_COMMAND", NULL,
                             "unknown command 'osiris %s %s'; '%s' takes one of: %s", group, sub,
                             group, list);
    return osr_cli_error(cli, OSR_EXIT_USAGE, "CLI/MISSING_COMMAND", NULL,
                         "'osiris %s' needs a subcommand: %s", group, list);
}

static int unknown_command(struct osr_cli *cli, int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            cli->json = true;
    }
    if (argc == 0) {
        print_help();
        return OSR_EXIT_USAGE;
    }
    for (size_t c = 0; c < OSR_ARRAY_LEN(commands); c++) {
        size_t n = strlen(argv[0]);
        if (strncmp(commands[c].words, argv[0], n) == 0 && commands[c].words[n] == ' ')
            return group_usage(cli, argv[0], argc > 1 ? argv[1] : NULL);
    }
    return osr_cli_error(cli, OSR_EXIT_USAGE, "CLI/UNKNOWN_COMMAND",
                         "run 'osiris --help' to list the commands", "unknown command '%s%s%s'",
                         argv[0], argc > 1 && argv[1][0] != '-' ? " " : "",
                         argc > 1 && argv[1][0] != '-' ? argv[1] : "");
}

static int print_version(bool json)
{
    if (json)
        printf("{\"version\": \"%s\"}\n", OSR_VERSION);
    else
        printf("osiris %s\n", OSR_VERSION);
    return OSR_EXIT_OK;
}

int osr_cli_main(int argc, char **argv)
{
    char comm[16] = "";

    /* Started from /proc/self/exe (by the MCP server), the process would be named "exe". */
    if (prctl(PR_GET_NAME, comm) == 0 && strcmp(comm, "exe") == 0)
        prctl(PR_SET_NAME, "osiris");
    struct osr_cli cli = {.prog = "osiris"};
    char *pre[8];
    int npre = 0, i = 1, rc;

    if (argc >= 2 && strcmp(argv[1], "--version") == 0)
        return print_version(argc >= 3 && strcmp(argv[2], "--json") == 0);
    signal(SIGPIPE, SIG_IGN);
    /* Global options may precede the command words; keep them for the command. */
    while (i < argc && npre < 6 && argv[i][0] == '-') {
        if (strcmp(argv[i], "--version") == 0)
            return print_version(false);
        if ((strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) && i + 1 == argc) {
            print_help();
            return OSR_EXIT_OK;
        }
        pre[npre++] = argv[i];
        if (is_global_with_value(argv[i]) && i + 1 < argc)
            pre[npre++] = argv[++i];
        i++;
    }
    for (size_t c = 0; c < OSR_ARRAY_LEN(commands); c++) {
        int n = match_words(commands[c].words, argc - i, argv + i);
        int sub_argc;
        char **sub_argv;
        char prog[64];
        if (n == 0)
            continue;
        sub_argc = npre + argc - i - n;
        sub_argv = calloc((size_t)sub_argc + 1, sizeof(*sub_argv));
        if (!sub_argv)
            abort();
        memcpy(sub_argv, argv + i + n, (size_t)(argc - i - n) * sizeof(*argv));
        memcpy(sub_argv + argc - i - n, pre, (size_t)npre * sizeof(*argv));
        snprintf(prog, sizeof(prog), "osiris %s", commands[c].words);
        cli.prog = prog;
        if (strncmp(commands[c].words, "mcp ", 4) == 0 &&
            strcmp(commands[c].words, "mcp run") != 0 &&
            strcmp(commands[c].words, "mcp worker") != 0)
            rc = osr_cli_mcp_tool(&cli, commands[c].words, commands[c].run, sub_argc, sub_argv);
        else
            rc = commands[c].run(&cli, sub_argc, sub_argv);
        free(sub_argv);
        osr_cli_dispose(&cli);
        return rc;
    }
    return unknown_command(&cli, argc - 1, argv + 1);
}
