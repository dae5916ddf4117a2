package store

// BookedChunk is how many bookings the statistics read from the store in
// one query, for tests that cross it.
const BookedChunk = bookedChunk
