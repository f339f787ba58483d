/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MNMAPCTL_PRINT_H
#define MNMAPCTL_PRINT_H

#include <stdbool.h>
#include <stdint.h>

/*
 * One printing path for people and programs, as iproute2's json_print: each
 * call names a JSON key and a text format; in text mode the format is used
 * (a NULL format prints nothing), in JSON mode the key and value.
 */
void print_start(bool json, bool pretty);
void print_end(void);
void print_open_object(const char *key);
void print_close_object(void);
void print_open_array(const char *key);
void print_close_array(void);
void print_string(const char *key, const char *fmt, const char *value);
void print_uint(const char *key, const char *fmt, uint64_t value);
void print_bool(const char *key, const char *fmt, bool value);
/* Text only: end a line, or print literal text. */
void print_text(const char *text);
bool print_is_json(void);

#endif
