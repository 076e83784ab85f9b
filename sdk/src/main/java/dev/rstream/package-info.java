/**
 * rstream: keeps an app in sync with remote state held in a Durable Streams log.
 *
 * <p>Everything public lives in this package; {@code dev.rstream.internal} and its subpackages are
 * implementation details with no compatibility promise.
 */
@NullMarked
package dev.rstream;

import org.jspecify.annotations.NullMarked;
