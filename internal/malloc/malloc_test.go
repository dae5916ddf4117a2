package malloc

import "testing"

// TestLargeBlocksComeFromTheSystem shows the mechanism the apps rely on.
// By itself, once glibc has freed one large block from mmap it raises its
// threshold above it (up to 32 MiB), and texture-sized blocks come from
// its heap from then on, where freeing them keeps them resident. After
// ReturnLargeBlocks (called at start, as the apps do) the threshold stays
// put, and such a block comes from mmap, so freeing it gives it back. The
// block is larger than FrameReserve: glibc carves a block of any size
// from the heap's free top when the top can hold it, and another test
// may have left a reserve there. The steps run in one test because the
// setting, once made, holds for the whole process.
func TestLargeBlocksComeFromTheSystem(t *testing.T) {
	const texture = FrameReserve + 4<<20
	if _, ok := fromSystem(32 << 10); !ok {
		t.Skip("this C library does not tell where a block comes from")
	}
	ReturnLargeBlocks(64 << 10)
	raiseThreshold(2 * texture) // what the first freed texture would do
	if mapped, _ := fromSystem(texture); !mapped {
		t.Errorf("a %d KiB block came from the heap", texture>>10)
	}
	if mapped, _ := fromSystem(32 << 10); mapped {
		t.Errorf("a 32 KiB block, below the threshold, came from mmap")
	}
	Trim() // hands free pages back; it must simply not fail
}

// TestFramesKeepTheirBlocks shows what ForFrames does to the blocks in
// which the software renderer collects a frame: a frame's worth of them,
// freed, stays in the heap for the next frame. Without it glibc gives all
// but 128 KiB back at once, a block at a time (Trim still gives it all
// back). It holds whatever the heap had free before.
func TestFramesKeepTheirBlocks(t *testing.T) {
	const block, frame = 64 << 10, 27 // a 1080p board frame's drawing
	if _, ok := givenBack(1, block); !ok {
		t.Skip("this C library does not tell the size of its heaps")
	}
	ForFrames()
	for i := range 3 { // frame after frame, as the board draws them
		if b, _ := givenBack(frame, block); b > 0 {
			t.Errorf("frame %d: freeing its %d blocks of %d KiB gave %d KiB back to the system; want none",
				i+1, frame, block>>10, b>>10)
		}
	}
}

// TestLargeBlocksAboveRendererBins: the frame data blocks of Mesa's
// software renderer (64 KiB and a header, allocated and freed with every
// frame) must come from the C heap, not from mmap: the UI thread paid for
// a few dozen mappings, page faults and unmappings in every frame.
func TestLargeBlocksAboveRendererBins(t *testing.T) {
	const rendererBlock = 64<<10 + 64 // llvmpipe's struct data_block
	tests := []struct {
		name  string
		block int
		heap  bool // must come from the C heap
	}{
		{"renderer's frame block", rendererBlock, true},
		{"texture of a full-width text", 1920 * 60 * 4, false},
	}
	for _, tt := range tests {
		if heap := tt.block < LargeBlock; heap != tt.heap {
			t.Errorf("%s (%d bytes): from the heap %v, want %v", tt.name, tt.block, heap, tt.heap)
		}
	}
}
