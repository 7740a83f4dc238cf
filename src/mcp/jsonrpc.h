/*
 * jsonrpc.h - JSON-RPC 2.0 messages as MCP uses them.
 *
 * Parsing is strict where MCP is strict: `jsonrpc` must be "2.0", a request id is a string
 * or an integer (never null), params is an object, and a response has exactly one of
 * result and error. Unknown members are ignored. Duplicate keys and invalid UTF-8 are parse
 * errors (-32700).
 */
#ifndef OSR_MCP_JSONRPC_H
#define OSR_MCP_JSONRPC_H

#include "core/compat.h"

#include <jansson.h>

enum {
    OSR_RPC_PARSE_ERROR = -32700,
    OSR_RPC_INVALID_REQUEST = -32600,
    OSR_RPC_METHOD_NOT_FOUND = -32601,
    OSR_RPC_INVALID_PARAMS = -32602,
    OSR_RPC_INTERNAL_ERROR = -32603,
    OSR_RPC_RESOURCE_NOT_FOUND = -32002,
    OSR_RPC_HEADER_MISMATCH = -32020,
    OSR_RPC_MISSING_CAPABILITY = -32021,
    OSR_RPC_UNSUPPORTED_VERSION = -32022,
};

enum osr_rpc_kind {
    OSR_RPC_REQUEST,
    OSR_RPC_NOTIFICATION,
    OSR_RPC_RESPONSE,
    OSR_RPC_BATCH,
    OSR_RPC_INVALID,
};

struct osr_rpc_msg {
    enum osr_rpc_kind kind;
    json_t *json;       /* the whole message (owned) */
    json_t *id;         /* borrowed from json; NULL for notifications */
    const char *method; /* requests and notifications */
    json_t *params;     /* borrowed; NULL when absent */
    json_t *result;     /* responses */
    json_t *error;      /* responses */
    int error_code;     /* OSR_RPC_INVALID: why */
    char error_message[256];
};

/* Parses text into `msg`. On bad JSON, kind is OSR_RPC_INVALID with error_code -32700. */
void osr_rpc_parse(struct osr_rpc_msg *msg, const char *text, size_t len);
/* Classifies an already parsed value (takes the reference). */
void osr_rpc_classify(struct osr_rpc_msg *msg, json_t *value);
void osr_rpc_msg_dispose(struct osr_rpc_msg *msg);

/* Builders; each returns a new reference and steals the json_t arguments. `id` may be
 * NULL for "id": null. */
json_t *osr_rpc_result(json_t *id, json_t *result);
json_t *osr_rpc_error(json_t *id, int code, const char *message, json_t *data);
json_t *osr_rpc_notification(const char *method, json_t *params);
json_t *osr_rpc_request(json_t *id, const char *method, json_t *params);

/* Compact serialisation without a trailing newline (owned). */
char *osr_rpc_dump(const json_t *msg, size_t *len);

#endif
