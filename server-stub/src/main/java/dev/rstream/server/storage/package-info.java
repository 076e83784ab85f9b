/**
 * The durable log under server-stub: streams, their append units, and idempotent producer state.
 *
 * <p>This package knows nothing of HTTP, offsets as strings, JSON or keyframes: it stores opaque
 * messages in append units and says where each one ends. The HTTP layer ({@code ..http}) and the
 * rstream conventions ({@code ..state}) sit above it and talk to it only through {@link
 * dev.rstream.server.storage.LogStore}.
 *
 * <p>Two implementations: {@link dev.rstream.server.storage.MemoryLogStore} (heap, for tests and
 * {@code --memory}) and {@link dev.rstream.server.storage.FileLogStore} (the durable default: one
 * CRC-checked record per append unit, group commit, crash recovery by truncating a torn tail and
 * only that: other damage fences its stream until an operator restores or salvages it).
 */
@NullMarked
package dev.rstream.server.storage;

import org.jspecify.annotations.NullMarked;
