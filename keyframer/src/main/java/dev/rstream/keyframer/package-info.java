/**
 * The keyframer (docs/PROTOCOL.md 3.5): a backend process that writes rstream keyframes and the
 * keyframe index for a state stream held on any Durable Streams server, so that clients get windows
 * and time seek there as they do on server-stub. Built on the SDK's {@link
 * dev.rstream.durable.DurableStream}; clients need nothing of this module.
 */
@NullMarked
package dev.rstream.keyframer;

import org.jspecify.annotations.NullMarked;
