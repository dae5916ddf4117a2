//go:build linux && cgo

package malloc

/*
#include <stdlib.h>
#include <string.h>
#include <features.h>
#ifdef __GLIBC__
#include <malloc.h>
static void lotse_mmap_threshold(int size) { mallopt(M_MMAP_THRESHOLD, size); }
static void lotse_trim(void) { malloc_trim(0); }
#else
static void lotse_mmap_threshold(int size) { (void)size; }
static void lotse_trim(void) {}
#endif

// lotse_churn allocates n blocks of size bytes, touches them and frees
// them again, the way a renderer's textures come and go. One small block
// allocated after them stays, as live data would, so that the freed ones
// are not at the top of the heap where glibc trims by itself.
static void lotse_churn(int n, size_t size) {
	free(malloc(2 * size)); // glibc raises its mmap threshold above size here
	void **blocks = malloc(n * sizeof(void *));
	for (int i = 0; i < n; i++) {
		blocks[i] = malloc(size);
		memset(blocks[i], 1, size);
	}
	void *pin = malloc(64);
	(void)pin; // kept: a test's few bytes
	for (int i = 0; i < n; i++) {
		free(blocks[i]);
	}
	free(blocks);
}
*/
import "C"

func returnLargeBlocks(size int) { C.lotse_mmap_threshold(C.int(size)) }

func trim() { C.lotse_trim() }

// churn is for tests, which cannot use cgo themselves.
func churn(n, size int) { C.lotse_churn(C.int(n), C.size_t(size)) }
