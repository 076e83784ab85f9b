/** The bridge from the public API to internal code; see {@link dev.rstream.internal.Internal}. */
@NullMarked
package dev.rstream.internal;

import org.jspecify.annotations.NullMarked;
