/**
 * A small app that uses rstream, shrunk and obfuscated with the sdk's consumer R8/ProGuard rules by
 * this module's tests and run against server-stub.
 */
package dev.rstream.proguardcheck;
