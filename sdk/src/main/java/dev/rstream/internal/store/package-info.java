/**
 * Local stores and what a client writes to them: {@link dev.rstream.internal.store.StoreMirror}
 * makes every read and write of one client's store; the in-memory, the no-op and the durable SQLite
 * store implement {@code LocalStore}. The SQLite store's logic ({@link
 * dev.rstream.internal.store.SqlLocalStore}: schema and migration, crash-safe per-batch writes,
 * eviction, the outbox) is written once against {@link dev.rstream.internal.store.SqlConnection},
 * which the JDBC driver and Android's {@code android.database.sqlite} implement.
 */
@NullMarked
package dev.rstream.internal.store;

import org.jspecify.annotations.NullMarked;
