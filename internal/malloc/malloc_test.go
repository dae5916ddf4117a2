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
