package malloc

import "testing"

// TestLargeBlocksComeFromTheSystem shows the mechanism the apps rely on.
// By itself, once glibc has freed one large block from mmap it raises its
// threshold above it, and texture-sized blocks come from its heap from
// then on, where freeing them keeps them resident. After ReturnLargeBlocks
// (called at start, as the apps do) the threshold stays put, and such a
// block comes from mmap, so freeing it gives it back. The steps run in one
// test because the setting, once made, holds for the whole process.
func TestLargeBlocksComeFromTheSystem(t *testing.T) {
	const texture = 256 << 10 // a large text's texture
	if _, ok := fromSystem(32 << 10); !ok {
		t.Skip("this C library does not tell where a block comes from")
	}
	ReturnLargeBlocks(64 << 10)
	raiseThreshold(4 * texture) // what the first freed texture would do
	if mapped, _ := fromSystem(texture); !mapped {
		t.Errorf("a %d kB block came from the heap", texture>>10)
	}
	if mapped, _ := fromSystem(32 << 10); mapped {
		t.Errorf("a 32 kB block, below the threshold, came from mmap")
	}
	Trim() // hands free pages back; it must simply not fail
}

// TestFramesKeepTheirBlocks shows what ForFrames does to the blocks in
// which the software renderer collects a frame: a frame's worth of them,
// freed, stays free in the heap for the next frame. Without it glibc gives
// all but 128 KiB back at once, a block at a time (Trim still gives it all
// back).
func TestFramesKeepTheirBlocks(t *testing.T) {
	const block, frame = 64 << 10, 27 // a 1080p board frame's drawing
	if _, ok := kept(1, block); !ok {
		t.Skip("this C library does not tell how much it keeps")
	}
	ForFrames()
	if k, _ := kept(frame, block); k < frame*block {
		t.Errorf("after a frame's %d blocks of %d KiB, the heap kept %d KiB; want %d KiB",
			frame, block>>10, k>>10, frame*block>>10)
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
