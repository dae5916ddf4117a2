//go:build !linux || !cgo

package malloc

func returnLargeBlocks(int) {}

func keepFree(int) {}

func trim() {}

func givenBack(int, int) (int, bool) { return 0, false }

func fromSystem(int) (mapped, ok bool) { return false, false }

func raiseThreshold(int) {}
