#pragma once
#include <hiredis/hiredis.h>

/* hiredis' redisCommand() is variadic and cannot be imported into Swift; callers use
   redisCommandArgv / redisAppendCommandArgv. These wrappers expose the reply fields and the
   context's error text, a char[128] that Swift would import as a 128-element tuple. */
static inline const char *coretex_redis_errstr(const redisContext *c) { return c->errstr; }
static inline int coretex_redis_err(const redisContext *c) { return c->err; }
static inline const char *coretex_redis_reader_errstr(const redisReader *r) { return r->errstr; }
