/**
 * The durable log under server-stub: streams, their append units, and idempotent producer state.
 *
 * <p>This package knows nothing of HTTP, offsets as strings, JSON or keyframes: it stores opaque
 * messages in append units and says where each one ends. The HTTP layer ({@code ..http}) and the
 * rstream conventions ({@code ..state}) sit above it and talk to it only through {@link
 * dev.rstream.server.storage.LogStore}.
 */
@NullMarked
package dev.rstream.server.storage;

import org.jspecify.annotations.NullMarked;
