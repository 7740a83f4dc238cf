/*
 * compat.h - included first by every source file of the project.
 *
 * It pulls in the standard headers every module uses and poisons the C library functions
 * that have no bound on their output or no way to report errors, so they cannot creep back
 * in. Code that really needs one of them has a safe counterpart in buf.h or alloc.h.
 */
#ifndef OSR_COMPAT_H
#define OSR_COMPAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OSR_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define OSR_UNUSED(x) ((void)(x))
#define OSR_PRINTF(f, a) __attribute__((format(printf, f, a)))

#if defined(__GNUC__) && !defined(OSR_NO_POISON)
#pragma GCC poison strcpy strcat sprintf vsprintf gets strtok atoi atol atof system popen tmpnam
#pragma GCC poison mktemp rand
#endif

#endif
