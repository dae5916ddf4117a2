package booking

import "lotse/internal/plaintext"

// CleanText is the sanitiser every adapter passes backend text through
// (names, service ids and names), and the Syncer once more for any other
// Backend. It is the hub's one rule for visible text, plaintext.Clean.
func CleanText(s string) string { return plaintext.Clean(s) }
