/**
 * The server's one write path, below HTTP: creating, appending to, closing, deleting and expiring
 * streams, with the protocol's checks (content type, idempotent producers, {@code Stream-Seq}) and
 * the rstream conventions run around every unit. Refusals are {@link
 * dev.rstream.server.write.WriteRejectedException}s; the HTTP layer ({@code ..http}) turns them
 * into answers. Depends on {@code ..state} and {@code ..storage} only.
 */
@NullMarked
package dev.rstream.server.write;

import org.jspecify.annotations.NullMarked;
