/* selection: parsing of menu answers that pick one or more numbered items,
 * as AsyncOS accepts them: "2", "1-4", "1,2,3", and (ours) "1-2,3", "3-1". */
#ifndef TLSGATE_SELECTION_H
#define TLSGATE_SELECTION_H

#include "err.h"

/* Longest list the parser handles; bit k-1 of the mask is item k. */
#define SEL_MAX_ITEMS 32

/* Parse `text` against items 1..n_items. Spaces around numbers, commas and
 * dashes are ignored; a reversed range ("3-1") means the same as "1-3";
 * repeated items are allowed. An empty answer is "You must enter a value from
 * 1 to N."; every other error starts with "That value is not valid." */
int sel_parse(const char *text, int n_items, unsigned *mask, struct err *e);

#endif
