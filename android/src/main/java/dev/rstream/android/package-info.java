/**
 * rstream on Android: {@link dev.rstream.android.AndroidSqliteStore}, the durable {@code
 * LocalStore} on the platform's SQLite, and {@link dev.rstream.android.RStreamAndroid}, which binds
 * a client's live connection to the device's network and the app's visibility. Use them with the
 * {@code rstream-sdk} client.
 */
@NullMarked
package dev.rstream.android;

import org.jspecify.annotations.NullMarked;
