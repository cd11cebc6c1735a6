/*
** ag_mcp.c -- the Model Context Protocol server's messages: one JSON-RPC
** 2.0 message in, at most one out. Every agent of the registry that loads
** and lints clean is a tool (its `parameters` the `inputSchema`), and
** tools/call goes through the same dispatcher as every other call
** (validation, limits, envelope). The transport (stdio, one message per
** line) is the caller's: repl/cli_mcp.c.
**
** Protocol revisions 2025-11-25 (the latest), 2025-06-18, 2025-03-26 and
** 2024-11-05 are negotiated: the client's when supported, else the latest.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ag_internal.h"

/* ========================================================================
** State and constants
** ======================================================================== */

static const char *const ag_mcp_versions[] = {"2025-11-25", "2025-06-18", "2025-03-26",
                                              "2024-11-05"};

struct ag_McpServer {
  ag_Runtime *rt;
  bool initialized;    /* initialize was answered */
  char version[16];    /* the negotiated protocol version */
  size_t page_size;    /* tools per tools/list page */
  ag_CallOptions call; /* how tools/call runs agents (output sink) */
};

ag_McpServer *ag_mcp_new(ag_Runtime *rt, const ag_CallOptions *call) {
  ag_McpServer *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->rt = rt;
  s->page_size = AG_MCP_PAGE_SIZE;
  const char *env = getenv("LISPY_MCP_PAGE_SIZE"); /* for tests of pagination */
  if (env && atoi(env) > 0) s->page_size = (size_t)atoi(env);
  if (call) s->call = *call;
  return s;
}

void ag_mcp_free(ag_McpServer *s) { free(s); }

/* ========================================================================
** Responses
** ======================================================================== */

/* {"jsonrpc":"2.0","id":ID,...}; id NULL leaves the member out (a parse
** error, or a request whose id could not be read: the SDK refuses
** "id": null). */
static cJSON *ag_mcp_reply(const cJSON *id) {
  cJSON *r = cJSON_CreateObject();
  cJSON_AddStringToObject(r, "jsonrpc", "2.0");
  if (id) cJSON_AddItemToObject(r, "id", cJSON_Duplicate(id, false));
  return r;
}

static cJSON *ag_mcp_error(const cJSON *id, int code, const char *message) {
  cJSON *r = ag_mcp_reply(id), *e = cJSON_CreateObject();
  cJSON_AddNumberToObject(e, "code", code);
  cJSON_AddStringToObject(e, "message", message);
  cJSON_AddItemToObject(r, "error", e);
  return r;
}

static cJSON *ag_mcp_result(const cJSON *id, cJSON *result) {
  cJSON *r = ag_mcp_reply(id);
  cJSON_AddItemToObject(r, "result", result);
  return r;
}

/* ========================================================================
** Methods
** ======================================================================== */

static cJSON *ag_mcp_initialize(ag_McpServer *s, const cJSON *id, const cJSON *params) {
  const cJSON *want = cJSON_GetObjectItemCaseSensitive(params, "protocolVersion");
  if (!cJSON_IsString(want))
    return ag_mcp_error(id, -32602, "initialize: params.protocolVersion must be a string");
  const char *version = ag_mcp_versions[0];
  for (size_t i = 0; i < sizeof ag_mcp_versions / sizeof ag_mcp_versions[0]; i++)
    if (strcmp(want->valuestring, ag_mcp_versions[i]) == 0) version = ag_mcp_versions[i];
  snprintf(s->version, sizeof s->version, "%s", version);
  s->initialized = true;
  cJSON *r = cJSON_CreateObject(), *caps = cJSON_CreateObject(), *tools = cJSON_CreateObject();
  cJSON_AddStringToObject(r, "protocolVersion", version);
  cJSON_AddBoolToObject(tools, "listChanged", true);
  cJSON_AddItemToObject(caps, "tools", tools);
  cJSON_AddItemToObject(caps, "logging", cJSON_CreateObject());
  cJSON_AddItemToObject(r, "capabilities", caps);
  cJSON *info = cJSON_CreateObject();
  cJSON_AddStringToObject(info, "name", "lispy");
  cJSON_AddStringToObject(info, "version", lispy_version());
  cJSON_AddItemToObject(r, "serverInfo", info);
  return ag_mcp_result(id, r);
}

/* An agent served as a tool: loaded, clean, and the one its name finds. */
static bool ag_mcp_served(ag_Runtime *rt, ag_Agent *a) {
  return ag_agent_ok(a) && a->name && ag_registry_find(rt, a->name) == a;
}

/* {"name", "description", "inputSchema"} of a tool. */
static cJSON *ag_mcp_tool(const ag_Agent *a) {
  cJSON *t = cJSON_CreateObject();
  const cJSON *d = cJSON_GetObjectItemCaseSensitive(a->descriptor, "description");
  const cJSON *p = cJSON_GetObjectItemCaseSensitive(a->descriptor, "parameters");
  cJSON_AddStringToObject(t, "name", a->name);
  cJSON_AddStringToObject(t, "description", cJSON_IsString(d) ? d->valuestring : "");
  cJSON_AddItemToObject(t, "inputSchema", p ? cJSON_Duplicate(p, true) : cJSON_CreateObject());
  return t;
}

/* tools/list. The cursor is "tools:N", N the index of the next tool to
** list: opaque to clients, checked strictly here (-32602 otherwise). */
static cJSON *ag_mcp_tools_list(ag_McpServer *s, const cJSON *id, const cJSON *params) {
  ag_Runtime *rt = s->rt;
  size_t from = 0;
  const cJSON *cursor = cJSON_GetObjectItemCaseSensitive(params, "cursor");
  if (cursor && !cJSON_IsNull(cursor)) {
    char end;
    size_t n;
    if (!cJSON_IsString(cursor) || sscanf(cursor->valuestring, "tools:%zu%c", &n, &end) != 1 ||
        n > ag_registry_count(rt))
      return ag_mcp_error(id, -32602,
                          "tools/list: invalid cursor (use the nextCursor of a previous page)");
    from = n;
  }
  cJSON *r = cJSON_CreateObject(), *tools = cJSON_CreateArray();
  size_t i = from, listed = 0;
  for (; i < ag_registry_count(rt) && listed < s->page_size; i++) {
    ag_Agent *a = ag_registry_at(rt, i);
    if (!ag_mcp_served(rt, a)) continue;
    cJSON_AddItemToArray(tools, ag_mcp_tool(a));
    listed++;
  }
  while (i < ag_registry_count(rt) && !ag_mcp_served(rt, ag_registry_at(rt, i))) i++;
  cJSON_AddItemToObject(r, "tools", tools);
  if (i < ag_registry_count(rt)) {
    char next[32];
    snprintf(next, sizeof next, "tools:%zu", i);
    cJSON_AddStringToObject(r, "nextCursor", next);
  }
  return ag_mcp_result(id, r);
}

/* A failed envelope as text a model can act on: the message, and for
** invalid_args each problem on a line (which argument, what was wrong). */
static char *ag_mcp_error_text(const cJSON *err) {
  const cJSON *msg = cJSON_GetObjectItemCaseSensitive(err, "message");
  const cJSON *kind = cJSON_GetObjectItemCaseSensitive(err, "kind");
  size_t cap = 256 + (cJSON_IsString(msg) ? strlen(msg->valuestring) : 0), len = 0;
  const cJSON *e;
  cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(err, "errors")) cap += 300;
  char *out = malloc(cap);
  if (!out) return NULL;
  len +=
      (size_t)snprintf(out, cap, "%s error: %s", cJSON_IsString(kind) ? kind->valuestring : "call",
                       cJSON_IsString(msg) ? msg->valuestring : "the call failed");
  cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(err, "errors")) {
    const cJSON *path = cJSON_GetObjectItemCaseSensitive(e, "path");
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");
    len += (size_t)snprintf(out + len, cap - len, "\n- argument %.100s: %.180s",
                            cJSON_IsString(path) && path->valuestring[0] ? path->valuestring + 1
                                                                         : "(the arguments)",
                            cJSON_IsString(m) ? m->valuestring : "invalid");
  }
  return out;
}

/* The tools/call result for an envelope: a text item holding the value as
** JSON and structuredContent (an object as is, any other value as
** {"result": V}); or isError with the error as text. A result past
** AG_MCP_MAX_MESSAGE_BYTES is replaced by a tool error saying so. */
static cJSON *ag_mcp_call_result(const cJSON *env) {
  cJSON *r = cJSON_CreateObject(), *content = cJSON_CreateArray(), *item = cJSON_CreateObject();
  cJSON_AddStringToObject(item, "type", "text");
  bool ok = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(env, "ok"));
  char *text = NULL;
  if (ok) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(env, "value");
    text = cJSON_PrintUnformatted(v);
    if (text && strlen(text) > AG_MCP_MAX_MESSAGE_BYTES / 2) {
      free(text);
      text = NULL;
      ok = false;
      cJSON_AddStringToObject(
          item, "text",
          "limit error: the result is too large to send (over the server's message limit)");
    } else {
      cJSON *sc = cJSON_IsObject(v) ? cJSON_Duplicate(v, true) : cJSON_CreateObject();
      if (!cJSON_IsObject(v)) cJSON_AddItemToObject(sc, "result", cJSON_Duplicate(v, true));
      cJSON_AddItemToObject(r, "structuredContent", sc);
    }
  } else {
    text = ag_mcp_error_text(cJSON_GetObjectItemCaseSensitive(env, "error"));
  }
  if (text) cJSON_AddStringToObject(item, "text", text);
  free(text);
  cJSON_AddItemToArray(content, item);
  cJSON_AddItemToObject(r, "content", content);
  cJSON_AddBoolToObject(r, "isError", !ok);
  return r;
}

static cJSON *ag_mcp_tools_call(ag_McpServer *s, const cJSON *id, const cJSON *params) {
  const cJSON *name = cJSON_GetObjectItemCaseSensitive(params, "name");
  const cJSON *args = cJSON_GetObjectItemCaseSensitive(params, "arguments");
  if (!cJSON_IsString(name))
    return ag_mcp_error(id, -32602, "tools/call: params.name must be a string");
  if (args && !cJSON_IsNull(args) && !cJSON_IsObject(args))
    return ag_mcp_error(id, -32602, "tools/call: params.arguments must be an object");
  ag_Agent *a = ag_registry_find(s->rt, name->valuestring);
  if (!a || !ag_mcp_served(s->rt, a)) {
    cJSON *nf = ag_registry_not_found(s->rt, name->valuestring); /* names a broken file's lint */
    const cJSON *msg =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItem(nf, "error"), "message");
    char text[1200];
    snprintf(text, sizeof text, "Unknown tool: %.900s",
             cJSON_IsString(msg) ? msg->valuestring : name->valuestring);
    cJSON_Delete(nf);
    return ag_mcp_error(id, -32602, text);
  }
  cJSON *empty = cJSON_CreateObject();
  cJSON *env = ag_invoke_agent(s->rt, a, cJSON_IsObject(args) ? args : empty, &s->call);
  cJSON_Delete(empty);
  cJSON *r = ag_mcp_call_result(env);
  cJSON_Delete(env);
  return ag_mcp_result(id, r);
}

static cJSON *ag_mcp_set_level(const cJSON *id, const cJSON *params) {
  static const char *levels[] = {"debug", "info",     "notice", "warning",
                                 "error", "critical", "alert",  "emergency"};
  const cJSON *level = cJSON_GetObjectItemCaseSensitive(params, "level");
  for (size_t i = 0; cJSON_IsString(level) && i < sizeof levels / sizeof levels[0]; i++)
    if (strcmp(level->valuestring, levels[i]) == 0) return ag_mcp_result(id, cJSON_CreateObject());
  return ag_mcp_error(id, -32602,
                      "logging/setLevel: level must be one of debug, info, notice, warning, error, "
                      "critical, alert, emergency");
}

/* ========================================================================
** Dispatch
** ======================================================================== */

/* A request (it has an id): its response. */
static cJSON *ag_mcp_request(ag_McpServer *s, const cJSON *id, const char *method,
                             const cJSON *params) {
  if (params && !cJSON_IsObject(params))
    return ag_mcp_error(id, -32602, "params must be an object");
  if (strcmp(method, "initialize") == 0) return ag_mcp_initialize(s, id, params);
  if (strcmp(method, "ping") == 0) return ag_mcp_result(id, cJSON_CreateObject());
  bool known = !strcmp(method, "tools/list") || !strcmp(method, "tools/call") ||
               !strcmp(method, "logging/setLevel");
  if (!known) {
    char msg[300];
    snprintf(msg, sizeof msg, "Method not found: %.200s", method);
    return ag_mcp_error(id, -32601, msg);
  }
  if (!s->initialized)
    return ag_mcp_error(id, -32600, "the server is not initialized: send initialize first");
  if (strcmp(method, "tools/list") == 0) return ag_mcp_tools_list(s, id, params);
  if (strcmp(method, "tools/call") == 0) return ag_mcp_tools_call(s, id, params);
  return ag_mcp_set_level(id, params);
}

/* The response to one message as a cJSON tree, or NULL for none. */
static cJSON *ag_mcp_message(ag_McpServer *s, const char *text, size_t len) {
  if (len > AG_MCP_MAX_MESSAGE_BYTES)
    return ag_mcp_error(NULL, -32600, "message too large (over 10 MiB)");
  cJSON *m = cJSON_ParseWithLength(text, len);
  if (!m) return ag_mcp_error(NULL, -32700, "Parse error: not valid JSON");
  cJSON *out = NULL;
  const cJSON *id = cJSON_GetObjectItemCaseSensitive(m, "id");
  const cJSON *method = cJSON_GetObjectItemCaseSensitive(m, "method");
  const cJSON *version = cJSON_GetObjectItemCaseSensitive(m, "jsonrpc");
  bool good_id = cJSON_IsString(id) || (cJSON_IsNumber(id));
  if (cJSON_IsArray(m)) {
    out =
        ag_mcp_error(NULL, -32600,
                     "Invalid Request: batches are not supported (removed in protocol 2025-06-18)");
  } else if (!cJSON_IsObject(m) || !cJSON_IsString(version) ||
             strcmp(version->valuestring, "2.0") != 0) {
    out = ag_mcp_error(good_id ? id : NULL, -32600, "Invalid Request: not a JSON-RPC 2.0 message");
  } else if (!id) { /* a notification (or a response to us): never answered */
    out = NULL;
  } else if (!good_id) {
    out = ag_mcp_error(NULL, -32600, "Invalid Request: id must be a string or a number");
  } else if (!cJSON_IsString(method)) {
    out = ag_mcp_error(id, -32600, "Invalid Request: method must be a string");
  } else {
    out = ag_mcp_request(s, id, method->valuestring, cJSON_GetObjectItemCaseSensitive(m, "params"));
  }
  cJSON_Delete(m);
  return out;
}

char *ag_mcp_handle(ag_McpServer *s, const char *text, size_t len) {
  cJSON *out = ag_mcp_message(s, text, len);
  if (!out) return NULL;
  char *line = cJSON_PrintUnformatted(out);
  cJSON_Delete(out);
  return line;
}

/* ========================================================================
** Triage: what a reader thread may do without the runtime
** ======================================================================== */

int ag_mcp_triage(const char *text, size_t len, char **out) {
  *out = NULL;
  if (len > AG_MCP_MAX_MESSAGE_BYTES) return AG_MCP_QUEUE;
  cJSON *m = cJSON_ParseWithLength(text, len);
  if (!cJSON_IsObject(m)) {
    cJSON_Delete(m);
    return AG_MCP_QUEUE; /* the main thread says what is wrong with it */
  }
  const cJSON *id = cJSON_GetObjectItemCaseSensitive(m, "id");
  const cJSON *method = cJSON_GetObjectItemCaseSensitive(m, "method");
  const cJSON *version = cJSON_GetObjectItemCaseSensitive(m, "jsonrpc");
  int what = AG_MCP_QUEUE;
  bool rpc =
      cJSON_IsString(version) && strcmp(version->valuestring, "2.0") == 0 && cJSON_IsString(method);
  if (rpc && (cJSON_IsString(id) || cJSON_IsNumber(id)) &&
      strcmp(method->valuestring, "ping") == 0) {
    cJSON *r = ag_mcp_result(id, cJSON_CreateObject());
    *out = cJSON_PrintUnformatted(r);
    cJSON_Delete(r);
    what = *out ? AG_MCP_PING : AG_MCP_QUEUE;
  } else if (rpc && !id && strcmp(method->valuestring, "notifications/cancelled") == 0) {
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(m, "params");
    const cJSON *rid = cJSON_GetObjectItemCaseSensitive(params, "requestId");
    if (cJSON_IsString(rid) || cJSON_IsNumber(rid)) *out = cJSON_PrintUnformatted(rid);
    what = *out ? AG_MCP_CANCEL : AG_MCP_IGNORE;
  }
  cJSON_Delete(m);
  return what;
}

char *ag_mcp_list_changed(const ag_McpServer *s) {
  return s->initialized
             ? strdup("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/tools/list_changed\"}")
             : NULL;
}

void ag_mcp_request_info(const char *text, size_t len, char **id, char **progress_token) {
  cJSON *m = len <= AG_MCP_MAX_MESSAGE_BYTES ? cJSON_ParseWithLength(text, len) : NULL;
  const cJSON *rid = cJSON_GetObjectItemCaseSensitive(m, "id");
  const cJSON *params = cJSON_GetObjectItemCaseSensitive(m, "params");
  const cJSON *meta = cJSON_GetObjectItemCaseSensitive(params, "_meta");
  const cJSON *t = cJSON_GetObjectItemCaseSensitive(meta, "progressToken");
  const cJSON *method = cJSON_GetObjectItemCaseSensitive(m, "method");
  bool call = cJSON_IsString(method) && strcmp(method->valuestring, "tools/call") == 0;
  bool obj = cJSON_IsObject(m);
  *id = obj && (cJSON_IsString(rid) || cJSON_IsNumber(rid)) ? cJSON_PrintUnformatted(rid) : NULL;
  *progress_token =
      call && (cJSON_IsString(t) || cJSON_IsNumber(t)) ? cJSON_PrintUnformatted(t) : NULL;
  cJSON_Delete(m);
}

char *ag_mcp_progress(const char *token, double progress, const char *message) {
  cJSON *n = cJSON_CreateObject(), *p = cJSON_CreateObject(), *t = cJSON_Parse(token);
  cJSON_AddStringToObject(n, "jsonrpc", "2.0");
  cJSON_AddStringToObject(n, "method", "notifications/progress");
  cJSON_AddItemToObject(p, "progressToken", t ? t : cJSON_CreateNull());
  cJSON_AddNumberToObject(p, "progress", progress);
  cJSON_AddStringToObject(p, "message", message);
  cJSON_AddItemToObject(n, "params", p);
  char *out = cJSON_PrintUnformatted(n);
  cJSON_Delete(n);
  return out;
}
