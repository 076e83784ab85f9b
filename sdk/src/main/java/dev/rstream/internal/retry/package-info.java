/**
 * Retry bookkeeping: which failures are transient and when to try again.
 */
@NullMarked
package dev.rstream.internal.retry;

import org.jspecify.annotations.NullMarked;
