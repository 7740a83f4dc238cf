/*
 * pq_api.c - libpq resolved at run time (see pq_api.h).
 */
#include "db/pq_api.h"
#include "core/dynload.h"

static struct osr_pq_api api;
static struct osr_dynonce once = OSR_DYNONCE_INIT; /* steps of a run in threads */

static int load(void)
{
    const struct osr_dynsym syms[] = {
        OSR_DYNSYM(api, connectdbParams, "PQconnectdbParams"),
        OSR_DYNSYM(api, status, "PQstatus"),
        OSR_DYNSYM(api, errorMessage, "PQerrorMessage"),
        OSR_DYNSYM(api, finish, "PQfinish"),
        OSR_DYNSYM(api, exec, "PQexec"),
        OSR_DYNSYM(api, execParams, "PQexecParams"),
        OSR_DYNSYM(api, resultStatus, "PQresultStatus"),
        OSR_DYNSYM(api, resultErrorMessage, "PQresultErrorMessage"),
        OSR_DYNSYM(api, resultErrorField, "PQresultErrorField"),
        OSR_DYNSYM(api, clear, "PQclear"),
        OSR_DYNSYM(api, ntuples, "PQntuples"),
        OSR_DYNSYM(api, nfields, "PQnfields"),
        OSR_DYNSYM(api, fname, "PQfname"),
        OSR_DYNSYM(api, ftype, "PQftype"),
        OSR_DYNSYM(api, getvalue, "PQgetvalue"),
        OSR_DYNSYM(api, getisnull, "PQgetisnull"),
        OSR_DYNSYM(api, getlength, "PQgetlength"),
        OSR_DYNSYM(api, escapeIdentifier, "PQescapeIdentifier"),
        OSR_DYNSYM(api, freemem, "PQfreemem"),
        OSR_DYNSYM(api, unescapeBytea, "PQunescapeBytea"),
        OSR_DYNSYM(api, sendQueryParams, "PQsendQueryParams"),
        OSR_DYNSYM(api, getResult, "PQgetResult"),
        OSR_DYNSYM(api, enterPipelineMode, "PQenterPipelineMode"),
        OSR_DYNSYM(api, exitPipelineMode, "PQexitPipelineMode"),
        OSR_DYNSYM(api, pipelineSync, "PQpipelineSync"),
        OSR_DYNSYM(api, sendFlushRequest, "PQsendFlushRequest"),
        OSR_DYNSYM(api, putCopyData, "PQputCopyData"),
        OSR_DYNSYM(api, putCopyEnd, "PQputCopyEnd"),
        OSR_DYNSYM(api, getCopyData, "PQgetCopyData"),
        OSR_DYNSYM(api, serverVersion, "PQserverVersion"),
        OSR_DYNSYM(api, getCancel, "PQgetCancel"),
        OSR_DYNSYM(api, cancel, "PQcancel"),
        OSR_DYNSYM(api, freeCancel, "PQfreeCancel"),
    };

    return osr_dynload("libpq.so.5", "libpq5", syms, OSR_ARRAY_LEN(syms));
}

const struct osr_pq_api *osr_pq_api_get(void)
{
    return osr_dynload_once(&once, load) ? &api : NULL;
}
