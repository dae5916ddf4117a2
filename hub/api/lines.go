package api

import "slices"

// MergeLines returns board's waiting lines with an event's lines put in
// place (Event.Waiting): each replaces the line of the same service, a
// line of a service board has none of is added at the end, and a Hidden
// one removes its line. board is not modified. The web board applies the
// same rule in its mergeLines (display.js); the shared board cases test
// both.
func MergeLines(board, lines []ServiceWait) []ServiceWait {
	if len(lines) == 0 {
		return board
	}
	board = slices.Clone(board)
	for _, l := range lines {
		i := slices.IndexFunc(board, func(w ServiceWait) bool { return w.Service == l.Service })
		switch {
		case l.Hidden:
			if i >= 0 {
				board = slices.Delete(board, i, i+1)
			}
		case i >= 0:
			board[i] = l
		default:
			board = append(board, l)
		}
	}
	return board
}
