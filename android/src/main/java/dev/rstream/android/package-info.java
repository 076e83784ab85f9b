/**
 * rstream on Android: {@link dev.rstream.android.AndroidSqliteStore}, the durable {@code
 * LocalStore} on the platform's SQLite. Use it with the {@code rstream-sdk} client.
 */
@NullMarked
package dev.rstream.android;

import org.jspecify.annotations.NullMarked;
