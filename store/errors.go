package store

import "errors"

// Sentinel errors returned, possibly wrapped, by every backend.
var (
	// ErrNotFound reports that the requested item does not exist or has expired.
	ErrNotFound = errors.New("store: not found")
	// ErrInvalid reports an invalid argument: an empty key, a negative amount,
	// a non-positive TTL where one is required. The store is left unchanged.
	ErrInvalid = errors.New("store: invalid argument")
	// ErrClosed reports an operation on a store that has been closed.
	ErrClosed = errors.New("store: closed")
	// ErrNotOwner reports that a lease is held by another owner, or is not
	// held at all, when renewing or releasing it.
	ErrNotOwner = errors.New("store: lease not held by this owner")
)
