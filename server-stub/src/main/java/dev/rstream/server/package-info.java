/** server-stub: a runnable Durable Streams server with rstream keyframing and a durable log. */
@NullMarked
package dev.rstream.server;

import org.jspecify.annotations.NullMarked;
