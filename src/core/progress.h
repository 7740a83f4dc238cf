/*
 * progress.h - progress of a long command, for whoever started it.
 *
 * When the process that started this one passed a pipe's write end in the environment
 * variable OSIRIS_PROGRESS_FD (the MCP server does for delegated tools), each report is one
 * JSON line on it: {"done":n,"total":m,"message":"..."}. Without the variable a report does
 * nothing. Reports are single writes, so threads may report at once.
 */
#ifndef OSR_CORE_PROGRESS_H
#define OSR_CORE_PROGRESS_H

/* Reports that `done` of `total` (0: unknown) is finished; `message` may be NULL. The
 * message must hold no secret: it is shown to the client as written. */
void osr_progress(double done, double total, const char *message);

#endif
