/*
 * run_state.h - what the runner and the branches it starts share (internal to
 * src/pipeline/: runner.c plans a run and writes its records, branches.c moves the rows).
 */
#ifndef OSR_PIPELINE_RUN_STATE_H
#define OSR_PIPELINE_RUN_STATE_H

#include "core/config.h"
#include "core/connections.h"
#include "pipeline/runner.h"
#include "pipeline/steps.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>

struct osr_run_step {
    const char *id, *component;
    json_t *needs; /* the steps whose rows it takes (borrowed from the manifest) */
    json_t *cfg, *conn;
    const struct osr_extractor_ops *ex;
    const struct osr_processor_ops *pr;
    const struct osr_writer_ops *wr;
    struct osr_step_ctx ctx;
    void *state;          /* an open writer or processor */
    int *slots;           /* a processor: the slot of each of its inputs */
    pthread_mutex_t lock; /* a processor: fed by branches running side by side */
    char *resource;       /* the file it reads or writes (SQLite, CSV): one branch at a time */
    int wave;             /* a source: the round of branches it ran in (1, 2, ...) */
    const char *status;   /* "pending", "success", "failed", "skipped" */
    uint64_t rows_in, rows_out, bytes, us;
    int retries; /* times its branch ran again after a transient failure */
};

struct osr_run_state {
    const struct osr_run_req *req;
    json_t *manifest;
    struct osr_run_step *steps;
    size_t n;
    struct osr_connections conns;
    struct osr_strv secrets; /* resolved secret values: never in a message */
    char run_id[24], started[32];
    uint64_t t0_ms;
    FILE *events;
    json_t *timeline;
    pthread_mutex_t lock;              /* the events and the timeline */
    volatile sig_atomic_t halt;        /* a step failed: branches running beside it stop too */
    struct osr_run_step *first_failed; /* the step whose failure is the run's */
};

/* The index of `src` among the inputs of `st`, or -1 when st does not take its rows. */
int osr_run_input_index(const struct osr_run_step *st, const struct osr_run_step *src);
/* Whether a step is a source: an extractor or a processor. */
bool osr_run_is_source(const struct osr_run_step *st);
/* The step with id `id`, or NULL. */
struct osr_run_step *osr_run_find(struct osr_run_state *R, const char *id);
/* One event: a line of events.jsonl (when the run has logs) and an entry of the timeline;
 * takes `data` (may be NULL). Thread-safe. */
void osr_run_event(struct osr_run_state *R, const char *name, const char *step, json_t *data);
/* Whether SIGTERM or SIGINT asked the run to stop. */
bool osr_run_stopping(void);
/* Runs every branch of the run, in waves (branches.c); returns the step whose failure is
 * the run's, or NULL. */
struct osr_run_step *osr_run_branches(struct osr_run_state *R);

#endif
