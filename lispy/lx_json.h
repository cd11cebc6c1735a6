/*
** lx_json.h -- internals of the JSON bridge shared by lx_json.c and
** lx_lib_json.c. The public conversions are lx_json_to_value and
** lx_value_to_json (lx_lib.h) and lispy_to_json / lispy_from_json (lispy.h).
*/
#ifndef LX_JSON_H
#define LX_JSON_H

#include "lx_lib.h"

/* Check that v can be written as JSON: nil, booleans, integers, finite
** floats, strings, keywords and symbols (as their names), proper lists,
** vectors, and dicts whose keys are strings, keywords, symbols or integers
** (integers become decimal strings). Raises a runtime error naming the first
** offending value and its JSON pointer, e.g. "json-encode: cannot encode
** function at /items/0". With charge, fuel is charged per element; with
** for_cjson, strings holding a NUL byte are refused too (cJSON cannot carry
** them). Raises a depth limit error past LX_MAX_C_DEPTH nesting. */
void lx_json_check(lx_State *L, lx_Value v, bool charge, bool for_cjson);

/* Append the JSON text of v to b: compact when indent is 0, else indent
** spaces per level. Integers stay exact, floats use the printer's shortest
** round-tripping form. Raises as lx_json_check does (for_cjson false) when
** v holds something JSON cannot carry, leaving b partly written. With
** charge, fuel is charged per element and per 64 bytes of string. */
void lx_json_write(lx_Buf *b, lx_Value v, int indent, bool charge);
/* The compact text of v appended to the host's t in place (v rooted);
** t->len moves only once all of it is written. */
void lx_json_write_text(lx_State *L, lispy_Text *t, lx_Value v);

#endif
