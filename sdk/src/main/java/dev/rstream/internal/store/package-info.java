/** The durable {@code LocalStore} on SQLite: schema, crash-safe per-batch writes, eviction. */
@NullMarked
package dev.rstream.internal.store;

import org.jspecify.annotations.NullMarked;
