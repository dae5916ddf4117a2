// Package malloc tunes the C allocator of the kiosk and the display.
//
// Their C side is mostly the OpenGL driver. With Mesa's software renderer
// (llvmpipe: virtual machines, thin clients and PCs without a GPU driver,
// and every Xvfb) each texture is a block from malloc. Fyne keeps the
// texture of a text for a minute after its last use, so a burst of calls
// on the display leaves many freed blocks behind, and glibc keeps freed
// memory in its heap for good: the display's resident memory would stay at
// the burst's high-water mark all day. At the same time the renderer
// collects each frame's drawing in blocks of 64 KiB that it frees after
// the frame, and those must stay with the process (ForFrames).
package malloc

import "runtime/debug"

// LargeBlock is the size from which the apps' C allocator takes blocks
// straight from the system, so that a freed texture gives its memory back
// at once. It lies above the blocks of 64 KiB (and a small header) in
// which Mesa's software renderer collects each frame's drawing: at 64 KiB
// every frame mapped, faulted in and unmapped a few dozen of them on the
// UI thread.
const LargeBlock = 128 << 10

// FrameReserve is how much free memory the top of the apps' C heap keeps
// instead of giving it back at once. A frame of the board at 1920×1080
// frees 1.7 MiB of drawing blocks (27 of 64 KiB, counted with perf trace
// on brk): with glibc's 128 KiB the heap shrank by one block at a time
// after every frame and grew again for the next, each step a system call
// with a TLB flush, 0.1 to 0.5 ms on a virtual machine; the frame's
// drawing took 6 ms instead of 1 (median of 100 calls under Xvfb).
const FrameReserve = 8 << 20

// ForFrames tunes the C allocator of an app that draws with Fyne: textures
// of LargeBlock or more go back to the system when freed, and up to
// FrameReserve of free memory stays at the top of the heap for the next
// frame. glibc maps a large block only when the heap's free top cannot
// hold it, so a texture made just after a frame may come from the
// reserve; freed, it goes back into the reserve, and whatever lies beyond
// FrameReserve goes back to the system at once. Trim and Release give the
// reserve and the holes inside the heap back as well.
func ForFrames() {
	ReturnLargeBlocks(LargeBlock)
	KeepFree(FrameReserve)
}

// ReturnLargeBlocks makes blocks of size bytes or more come straight from
// the system when the heap's free top cannot hold them, so that freeing
// one gives its memory back at once. glibc
// otherwise raises that threshold by itself after the first large block
// is freed, up to 32 MB, and textures end up in its heap. Without glibc
// it does nothing.
func ReturnLargeBlocks(size int) { returnLargeBlocks(size) }

// KeepFree lets the top of the C heap keep up to size bytes of free
// memory, so that blocks freed and allocated again in quick turns do not
// cost a system call each. glibc's own threshold is 128 KiB, and it stays
// there once ReturnLargeBlocks has fixed the mmap threshold. Without glibc
// it does nothing.
func KeepFree(size int) { keepFree(size) }

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
