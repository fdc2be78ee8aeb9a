#pragma once
/* <nats/nats.h>, not <nats.h>: the top-level header is a deprecated wrapper that emits #warning. */
#include <nats/nats.h>
