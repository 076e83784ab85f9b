package dev.rstream.keyframer;

import dev.rstream.Offset;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A keyframe read from the stream: its position (the offset just before its {@code
 * snapshot-start}), its start offset ({@code asOf}, the position when it has none) and the time of
 * the state it holds (null for a keyframe that includes no change).
 */
record FoundKeyframe(Offset position, Offset asOf, @Nullable Instant timestamp) {}
