/** The outbox: appends kept in the local store until the server acknowledges them. */
@NullMarked
package dev.rstream.internal.outbox;

import org.jspecify.annotations.NullMarked;
