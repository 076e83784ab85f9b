/**
 * Local stores and what a client writes to them: {@link dev.rstream.internal.store.StoreMirror}
 * makes every read and write of one client's store; the in-memory, the no-op and the durable SQLite
 * store (schema, crash-safe per-batch writes, eviction) implement {@code LocalStore}.
 */
@NullMarked
package dev.rstream.internal.store;

import org.jspecify.annotations.NullMarked;
