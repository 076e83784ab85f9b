/**
 * A sample app on rstream-android: {@link dev.rstream.android.sample.SampleApplication} holds the
 * store and the client, {@link dev.rstream.android.sample.OrdersActivity} shows a past state, the
 * live state, an append and an offline badge, delivering every view on the main thread with
 * RxAndroid. Compiled in the build against the Android framework classes; not packaged.
 */
package dev.rstream.android.sample;
