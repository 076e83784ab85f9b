/** The one live cursor a client keeps per stream, shared by every live subscriber. */
@NullMarked
package dev.rstream.internal.live;

import org.jspecify.annotations.NullMarked;
