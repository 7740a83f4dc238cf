/*
 * error.c - thread-local last error message.
 */
#include "core/error.h"

#include <errno.h>
#include <stdarg.h>

static _Thread_local char last_message[1024];

int osr_error_set(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_message, sizeof(last_message), fmt, ap);
    va_end(ap);
    return code;
}

int osr_error_set_errno(int code, const char *fmt, ...)
{
    int saved = errno;
    size_t len;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(last_message, sizeof(last_message), fmt, ap);
    va_end(ap);
    len = strlen(last_message);
    snprintf(last_message + len, sizeof(last_message) - len, ": %s", strerror(saved));
    errno = saved;
    return code;
}

const char *osr_error_last(void)
{
    return last_message;
}

void osr_error_clear(void)
{
    last_message[0] = '\0';
}
