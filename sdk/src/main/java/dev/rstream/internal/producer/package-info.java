/** The idempotent producer: batching, pipelining, sequence numbers and epoch fencing. */
@NullMarked
package dev.rstream.internal.producer;

import org.jspecify.annotations.NullMarked;
