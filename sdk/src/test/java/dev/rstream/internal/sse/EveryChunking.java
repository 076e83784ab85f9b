package dev.rstream.internal.sse;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs a test with the whole input in one read, then 1 byte per read, then 2 bytes per read: the
 * test takes that bound as its {@code int} parameter, so that each rule also holds at every
 * possible chunk boundary.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@ParameterizedTest(name = "at most {0} bytes per read")
@ValueSource(ints = {Integer.MAX_VALUE, 1, 2})
@interface EveryChunking {}
