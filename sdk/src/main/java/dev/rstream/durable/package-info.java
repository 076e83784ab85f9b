/**
 * The low-level Durable Streams client: a {@link dev.rstream.durable.DurableStream} handle to read,
 * append to, create, close and delete one stream, and an idempotent producer. The model (windows,
 * state, the live cursor) is in {@code dev.rstream}, which also holds the errors and values both
 * share.
 */
@NullMarked
package dev.rstream.durable;

import org.jspecify.annotations.NullMarked;
