/**
 * Windows of a state stream (keyframe to keyframe), the keyframe index, and computing the state at
 * a time.
 */
@NullMarked
package dev.rstream.internal.window;

import org.jspecify.annotations.NullMarked;
