/*
 * parse.h - numbers from configuration files and command lines, parsed the
 * same way by tapisrv and acdproxy.
 */
#ifndef TAPIX_PARSE_H
#define TAPIX_PARSE_H

#include <stdint.h>

/* A DWORD in decimal or 0x-hex: no sign, no octal (a leading zero is
   decimal: "010" is ten), no surrounding text.  Returns 0, or -1. */
int parse_u32(const char *s, uint32_t *out);

#endif
