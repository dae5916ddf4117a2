package malloc

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestFreedBlocksGoBack checks that with the package's settings, blocks
// allocated and freed in C (as Mesa does with textures) do not stay
// resident. What glibc keeps without them depends on the history of its
// heap; the display's figures in make bench show that.
func TestFreedBlocksGoBack(t *testing.T) {
	const n, size = 128, 256 << 10 // 32 MB in blocks the size of a text's texture
	const slack = 8 << 10          // kB the Go runtime may add meanwhile

	ReturnLargeBlocks(64 << 10)
	before := residentKB(t)
	churn(n, size)
	Trim()
	if grown := residentKB(t) - before; grown > slack {
		t.Errorf("%d kB stay resident after the blocks were freed", grown)
	}
}

func residentKB(t *testing.T) int {
	t.Helper()
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status:", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			n, err := strconv.Atoi(f[1])
			if err != nil {
				t.Fatalf("VmRSS %q: %v", f[1], err)
			}
			return n
		}
	}
	t.Skip("no VmRSS in /proc/self/status")
	return 0
}
