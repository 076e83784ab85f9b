/**
 * The Android store's file (lock, checks, moving a bad file aside) and its tables; what follows the
 * network and the activities for a bound client. No compatibility promise.
 */
@NullMarked
package dev.rstream.android.internal;

import org.jspecify.annotations.NullMarked;
