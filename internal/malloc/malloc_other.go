//go:build !linux || !cgo

package malloc

func returnLargeBlocks(int) {}

func trim() {}

func fromSystem(int) (mapped, ok bool) { return false, false }

func raiseThreshold(int) {}
