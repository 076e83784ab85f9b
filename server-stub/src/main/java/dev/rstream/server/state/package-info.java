/**
 * rstream conventions for state streams (docs/PROTOCOL.md section 3): timestamps, keyframes, the
 * keyframe index and each stream's materialised state. Plain Durable Streams streams pass through
 * untouched.
 */
@NullMarked
package dev.rstream.server.state;

import org.jspecify.annotations.NullMarked;
