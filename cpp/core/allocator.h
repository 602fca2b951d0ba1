// Tensor buffers: 64-byte aligned; large blocks are cached by size class and
// reused, so big temporaries do not pay page faults on every step.
#pragma once
#include <cstddef>

namespace pag {

void* alloc_buffer(size_t nbytes);   // throws pag::Error (torch's RuntimeError) when out of memory
void free_buffer(void* p, size_t nbytes);
void empty_cache();                  // returns cached blocks to the system
size_t cached_bytes();

}  // namespace pag
