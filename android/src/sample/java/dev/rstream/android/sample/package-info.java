/**
 * A sample app on rstream-android: {@link dev.rstream.android.sample.SampleApplication} holds the
 * store and the client and binds the client to the app, {@link
 * dev.rstream.android.sample.OrdersActivity} shows a past state, the live state, an append and an
 * offline badge, delivering every view on the main thread with RxAndroid. Compiled in the build
 * against the Android framework classes and driven by a Robolectric test ({@code src/sample-test})
 * against server-stub; not packaged.
 */
package dev.rstream.android.sample;
