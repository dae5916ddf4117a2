//go:build linux && cgo

package malloc

/*
#include <stdlib.h>
#include <features.h>
#ifdef __GLIBC__
#include <malloc.h>
static void lotse_mmap_threshold(int size) { mallopt(M_MMAP_THRESHOLD, size); }
static void lotse_trim_threshold(int size) { mallopt(M_TRIM_THRESHOLD, size); }
static void lotse_trim(void) { malloc_trim(0); }
#if __GLIBC__ > 2 || __GLIBC_MINOR__ >= 33
// lotse_from_system allocates size bytes and reports whether glibc took
// them straight from the system (mmap), so that freeing them gives them
// back at once; -1 where that cannot be told.
static int lotse_from_system(size_t size) {
	size_t before = mallinfo2().hblkhd;
	// volatile: the compiler would drop a malloc whose block is unused.
	volatile char *p = malloc(size);
	p[0] = 1;
	int mapped = mallinfo2().hblkhd >= before + size;
	free((void *)p);
	return mapped;
}
// lotse_given_back allocates n blocks of size bytes, frees them in
// reverse and returns how many bytes the heaps gave back to the system
// when they were freed: their size with all blocks held less their size
// after. It measures the heaps' size, not their free memory, because
// blocks may reuse memory that was free before, which would count
// against them. It counts all arenas: a cgo call may run on any thread,
// and each thread's blocks come from an arena of its own.
static long lotse_given_back(int n, size_t size) {
	char *p[n];
	for (int i = 0; i < n; i++) {
		p[i] = malloc(size);
		((volatile char *)p[i])[0] = 1;
	}
	size_t held = mallinfo2().arena;
	for (int i = n - 1; i >= 0; i--) free(p[i]);
	size_t after = mallinfo2().arena;
	return held > after ? (long)(held - after) : 0;
}
#else
static int lotse_from_system(size_t size) { (void)size; return -1; }
static long lotse_given_back(int n, size_t size) { (void)n; (void)size; return -1; }
#endif
#else
static void lotse_mmap_threshold(int size) { (void)size; }
static void lotse_trim_threshold(int size) { (void)size; }
static long lotse_given_back(int n, size_t size) { (void)n; (void)size; return -1; }
static void lotse_trim(void) {}
static int lotse_from_system(size_t size) { (void)size; return -1; }
#endif

// lotse_raise_threshold frees a block of size bytes that came from mmap,
// which makes glibc raise its mmap threshold above it, as it does the
// first time a renderer frees a large texture.
static void lotse_raise_threshold(size_t size) {
	volatile char *p = malloc(size);
	p[0] = 1;
	free((void *)p);
}
*/
import "C"

func returnLargeBlocks(size int) { C.lotse_mmap_threshold(C.int(size)) }

func keepFree(size int) { C.lotse_trim_threshold(C.int(size)) }

func trim() { C.lotse_trim() }

// fromSystem and raiseThreshold are for tests, which cannot use cgo
// themselves. fromSystem reports ok=false where it cannot tell.
func fromSystem(size int) (mapped, ok bool) {
	r := C.lotse_from_system(C.size_t(size))
	return r == 1, r >= 0
}

func raiseThreshold(size int) { C.lotse_raise_threshold(C.size_t(size)) }

// givenBack allocates n blocks of size bytes, frees them and returns how
// many bytes the heaps gave back to the system meanwhile; ok=false where
// it cannot tell.
func givenBack(n, size int) (bytes int, ok bool) {
	k := C.lotse_given_back(C.int(n), C.size_t(size))
	return int(k), k >= 0
}
