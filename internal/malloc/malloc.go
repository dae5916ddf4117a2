// Package malloc tunes the C allocator of the kiosk and the display.
//
// Their C side is mostly the OpenGL driver. With Mesa's software renderer
// (llvmpipe: virtual machines, thin clients and PCs without a GPU driver,
// and every Xvfb) each texture is a block from malloc. Fyne keeps the
// texture of a text for a minute after its last use, so a burst of calls
// on the display leaves many freed blocks behind, and glibc keeps freed
// memory in its heap for good: the display's resident memory would stay at
// the burst's high-water mark all day.
package malloc

import "runtime/debug"

// ReturnLargeBlocks makes blocks of size bytes or more come straight from
// the system, so that freeing one gives its memory back at once. glibc
// otherwise raises that threshold by itself after the first large block
// is freed, up to 32 MB, and textures end up in its heap. Without glibc
// it does nothing.
func ReturnLargeBlocks(size int) { returnLargeBlocks(size) }

// Trim gives the free pages inside the C heap back to the system. It
// takes a few milliseconds; call it when nothing is drawn. Without glibc
// it does nothing.
func Trim() { trim() }

// Release gives the free memory of both allocators back to the system:
// Go's, after a full collection, and C's. It takes a few milliseconds of
// work and stops the world only briefly; call it when the screen is at rest.
func Release() {
	debug.FreeOSMemory()
	trim()
}
