/*
 * instructions.c - what an assistant should know before it uses this server.
 */
#include "mcp/instructions.h"

const char osr_mcp_instructions[] =
    "Osiris turns a described data outcome into a pipeline that runs. Work in this order: "
    "list the connections (connections_list) and check them (connections_doctor); discover "
    "the tables, columns and sample rows of the source (discovery_request); read the OML "
    "schema (oml_schema_get) and the use-case catalogue (usecases_list); write the pipeline "
    "in OML and check it with oml_validate until it has no errors; save the draft "
    "(oml_save); compile it (oml_compile) and run it (pipeline_run). Refer to connections "
    "as \"@family.alias\" and never put a password, key or token in a pipeline: secrets "
    "stay in the environment of the machine that runs Osiris, and every value this server "
    "returns has them masked. Tool results carry structuredContent; errors come back with "
    "isError set and an error_code such as VALIDATION_ERROR or CONNECTION_ERROR.";
