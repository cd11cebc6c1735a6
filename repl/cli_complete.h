/*
** cli_complete.h -- `lispy complete`: completion candidates for shells.
**
**   lispy complete [--agents DIR]... LINE [CURSOR]
**       candidates for a shell-input LINE with the cursor at byte CURSOR
**       (default: the end), one per line as "text<TAB>help"
**   lispy complete [--agents DIR]... --cli -- WORD...
**       candidates for a lispy command line: WORDs are its words after
**       "lispy", the last being the one under the cursor (may be ""). Besides
**       candidates, one of these lines may come out, asking the shell to
**       complete file names itself: "@files" (any file), "@dirs" (folders),
**       "@lispy" (folders and *.lispy files).
*/
#ifndef RP_CLI_COMPLETE_H
#define RP_CLI_COMPLETE_H

#include "cli.h"

/* o->args: the words after "complete" (option parsing must stop there). */
int rp_cmd_complete(const rp_Options *o);

#endif
