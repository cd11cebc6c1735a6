/*
** ag_budget.c -- the per-agent memory budget. An agent's globals persist
** between calls, so a fresh memory limit per call would let them grow by
** the whole limit every call. Instead the memory limit is the agent's
** budget: what its environment holds (lispy_env_size) plus what one call
** allocates never passes it. An agent whose state already fills the
** budget is refused with a `limit` error until it is reloaded.
**
** The state is walked again only once the agent's calls have allocated
** 1/AG_STATE_REMEASURE of the limit since the last walk; in between, all
** they allocated counts as kept (an upper bound: a call cannot add to the
** state more than it allocates).
*/
#include <stdio.h>
#include <string.h>

#include "ag_internal.h"

/* What a's state holds at most now, walking it when the estimate is stale
** or would refuse the call. */
static size_t ag_state_bytes(ag_Runtime *rt, ag_Agent *a, size_t limit) {
  uint64_t est = (uint64_t)a->state_bytes + a->state_since;
  if (a->state_bytes == 0 || a->state_since >= limit / AG_STATE_REMEASURE || est >= limit) {
    a->state_bytes = lispy_env_size(rt->L, a->env);
    a->state_since = 0;
    est = a->state_bytes;
  }
  return est > SIZE_MAX ? SIZE_MAX : (size_t)est;
}

/* The envelope of a call refused because a's state fills its budget. */
static cJSON *ag_budget_refusal(const ag_Budget *b) {
  char msg[400];
  snprintf(msg, sizeof msg,
           "memory limit: this agent's globals hold %zu bytes, all of its %zu-byte budget "
           "(its state counts against the memory limit between calls); reload the agent "
           "to reset it, or keep less in globals",
           b->held, b->saved.memory);
  cJSON *env = ag_envelope_error("limit", msg);
  cJSON_AddStringToObject(cJSON_GetObjectItem(env, "error"), "limit", "memory");
  return env;
}

/* Lower the memory limit of the call of a about to run by what a's state
** holds; false, with *refused set to the envelope, when nothing is left. */
bool ag_budget_begin(ag_Runtime *rt, ag_Agent *a, ag_Budget *b, cJSON **refused) {
  *b = (ag_Budget){lispy_get_limits(rt->L), 0, NULL, 0};
  *refused = NULL;
  if (b->saved.memory == 0 || a->env == NULL) return true; /* unlimited */
  b->held = ag_state_bytes(rt, a, b->saved.memory);
  if (b->held >= b->saved.memory) {
    *refused = ag_budget_refusal(b);
    return false;
  }
  lispy_Limits call = b->saved;
  call.memory -= b->held;
  lispy_set_limits(rt->L, &call);
  b->agent = a;
  b->allocated0 = lispy_memory_allocated(rt->L);
  return true;
}

/* Put the limits back as they were and add what the call allocated to the
** agent's estimate. */
void ag_budget_end(ag_Runtime *rt, ag_Budget *b) {
  if (b->agent == NULL) return;
  lispy_set_limits(rt->L, &b->saved);
  b->agent->state_since += lispy_memory_allocated(rt->L) - b->allocated0;
  b->agent = NULL;
}

/* A memory-limit envelope of a call whose agent held state says so: the
** message names what the globals held, the reason the call had less. */
void ag_budget_note(const ag_Budget *b, cJSON *env) {
  cJSON *err = cJSON_GetObjectItem(env, "error");
  const cJSON *limit = cJSON_GetObjectItem(err, "limit");
  cJSON *message = cJSON_GetObjectItem(err, "message");
  if (b->held == 0 || !cJSON_IsString(limit) || strcmp(limit->valuestring, "memory") != 0 ||
      !cJSON_IsString(message))
    return;
  char msg[600];
  snprintf(msg, sizeof msg,
           "%.200s (this agent's globals held up to %zu of its %zu-byte budget before the "
           "call; they count against the memory limit between calls)",
           message->valuestring, b->held, b->saved.memory);
  cJSON_SetValuestring(message, msg);
}
