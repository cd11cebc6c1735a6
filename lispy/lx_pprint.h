/*
** lx_pprint.h -- the pretty printer used by the shell (lx_printer.c).
** Internal to lispy/ and the REPL.
*/
#ifndef LX_PPRINT_H
#define LX_PPRINT_H

#include "lx_lib.h"

/* Append the readable form of v, broken over several lines when it does
** not fit in width columns: lists and vectors one item per line, dicts one
** entry per line, nested parts indented under their opening bracket. Parts
** that fit print on one line. width <= 0 means 80. max_items and max_depth
** cut long and deep structures (lispy_pprint_cut; 0 means no cut). Raises
** a depth limit error past LX_MAX_C_DEPTH nesting, like lx_print. */
void lx_pprint(lx_State *L, lx_Buf *b, lx_Value v, int width, size_t max_items, int max_depth);

#endif
