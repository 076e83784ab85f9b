/**
 * rstream: keeps an app in sync with remote state held in a Durable Streams log.
 *
 * <p>The low-level Durable Streams client is in {@code dev.rstream.durable}; {@code
 * dev.rstream.internal} and its subpackages are implementation details with no compatibility
 * promise.
 */
@NullMarked
package dev.rstream;

import org.jspecify.annotations.NullMarked;
