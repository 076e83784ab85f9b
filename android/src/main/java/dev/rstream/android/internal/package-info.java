/**
 * The Android store's connection to {@code android.database.sqlite} (the store's logic is the
 * sdk's, shared with {@code SqliteStore}); what follows the network and the activities for a bound
 * client. No compatibility promise.
 */
@NullMarked
package dev.rstream.android.internal;

import org.jspecify.annotations.NullMarked;
