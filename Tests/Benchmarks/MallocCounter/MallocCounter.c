// A malloc interposer that counts: each wrapper adds to two relaxed atomic counters and calls glibc's own
// allocator through its __libc_* entry points (no dlsym(RTLD_NEXT), which itself allocates). Memory comes from glibc
// as before, so glibc's free (not wrapped) releases it. glibc-only, as the benchmark is Linux-only.
#include "MallocCounter.h"

#include <errno.h>
#include <malloc.h>
#include <stddef.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);

static uint64_t calls;
static uint64_t bytes;

static inline void count(size_t size) {
    __atomic_fetch_add(&calls, 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&bytes, (uint64_t)size, __ATOMIC_RELAXED);
}

uint64_t malloc_counter_calls(void) { return __atomic_load_n(&calls, __ATOMIC_RELAXED); }
uint64_t malloc_counter_bytes(void) { return __atomic_load_n(&bytes, __ATOMIC_RELAXED); }
void malloc_counter_reset(void) {
    __atomic_store_n(&calls, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&bytes, 0, __ATOMIC_RELAXED);
}

size_t malloc_counter_usable_size(void *pointer) { return malloc_usable_size(pointer); }

#define EXPORT __attribute__((visibility("default"), used))

EXPORT void *malloc(size_t size) {
    count(size);
    return __libc_malloc(size);
}

EXPORT void *calloc(size_t count_, size_t size) {
    count(count_ * size);
    return __libc_calloc(count_, size);
}

EXPORT void *realloc(void *pointer, size_t size) {
    count(size);
    return __libc_realloc(pointer, size);
}

EXPORT int posix_memalign(void **out, size_t alignment, size_t size) {
    if (alignment == 0 || (alignment & (alignment - 1)) != 0 || alignment % sizeof(void *) != 0) return EINVAL;
    count(size);
    void *pointer = __libc_memalign(alignment, size);
    if (pointer == NULL) return ENOMEM;
    *out = pointer;
    return 0;
}

EXPORT void *aligned_alloc(size_t alignment, size_t size) {
    count(size);
    return __libc_memalign(alignment, size);
}

EXPORT void *memalign(size_t alignment, size_t size) {
    count(size);
    return __libc_memalign(alignment, size);
}
