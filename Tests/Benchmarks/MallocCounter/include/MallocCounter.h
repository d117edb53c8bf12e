#ifndef MALLOC_COUNTER_H
#define MALLOC_COUNTER_H

#include <stddef.h>
#include <stdint.h>

/// Allocation calls of the whole process (malloc, calloc, realloc, posix_memalign, aligned_alloc, memalign) since
/// the last `malloc_counter_reset`, counted by the wrappers in MallocCounter.c. They take effect in an executable
/// that links this target: its definitions of those symbols interpose glibc's for every library of the process.
uint64_t malloc_counter_calls(void);
/// Bytes requested by those calls.
uint64_t malloc_counter_bytes(void);
void malloc_counter_reset(void);
/// glibc's malloc_usable_size (<malloc.h>, which Swift's Glibc module does not import); the self-check passes its
/// pointers here so the optimizer cannot elide the allocations.
size_t malloc_counter_usable_size(void *pointer);

#endif
