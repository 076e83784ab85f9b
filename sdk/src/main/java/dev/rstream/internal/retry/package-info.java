/**
 * Recovery from failures: {@link dev.rstream.internal.retry.Recovery} decides, for every operation
 * (reads, single exchanges, the live cursor's reconnects), whether a failure is tried again and
 * when; {@link dev.rstream.internal.retry.RetryableFailure} is a failure it may retry.
 */
@NullMarked
package dev.rstream.internal.retry;

import org.jspecify.annotations.NullMarked;
