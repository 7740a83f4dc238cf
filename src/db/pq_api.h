/*
 * pq_api.h - the libpq functions Osiris uses, loaded at run time (see core/dynload.h).
 */
#ifndef OSR_DB_PQ_API_H
#define OSR_DB_PQ_API_H

#include <libpq-fe.h>

struct osr_pq_api {
    __typeof__(PQconnectdbParams) *connectdbParams;
    __typeof__(PQstatus) *status;
    __typeof__(PQerrorMessage) *errorMessage;
    __typeof__(PQfinish) *finish;
    __typeof__(PQexec) *exec;
    __typeof__(PQexecParams) *execParams;
    __typeof__(PQresultStatus) *resultStatus;
    __typeof__(PQresultErrorMessage) *resultErrorMessage;
    __typeof__(PQresultErrorField) *resultErrorField;
    __typeof__(PQclear) *clear;
    __typeof__(PQntuples) *ntuples;
    __typeof__(PQnfields) *nfields;
    __typeof__(PQfname) *fname;
    __typeof__(PQftype) *ftype;
    __typeof__(PQgetvalue) *getvalue;
    __typeof__(PQgetisnull) *getisnull;
    __typeof__(PQgetlength) *getlength;
    __typeof__(PQescapeIdentifier) *escapeIdentifier;
    __typeof__(PQfreemem) *freemem;
    __typeof__(PQunescapeBytea) *unescapeBytea;
    __typeof__(PQsendQueryParams) *sendQueryParams;
    __typeof__(PQgetResult) *getResult;
    __typeof__(PQenterPipelineMode) *enterPipelineMode;
    __typeof__(PQexitPipelineMode) *exitPipelineMode;
    __typeof__(PQpipelineSync) *pipelineSync;
    __typeof__(PQsendFlushRequest) *sendFlushRequest;
    __typeof__(PQputCopyData) *putCopyData;
    __typeof__(PQputCopyEnd) *putCopyEnd;
    __typeof__(PQgetCopyData) *getCopyData;
    __typeof__(PQserverVersion) *serverVersion;
    __typeof__(PQgetCancel) *getCancel;
    __typeof__(PQcancel) *cancel;
    __typeof__(PQfreeCancel) *freeCancel;
};

/* Loads libpq once; NULL (last error set) when it is not installed. */
const struct osr_pq_api *osr_pq_api_get(void);

#endif
