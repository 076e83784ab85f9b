package dev.rstream.internal.http;

import dev.rstream.durable.MessageDecoder;
import java.io.InputStream;

/**
 * A {@link MessageDecoder} that needs a response body's bytes beside the parser's tokens (to take a
 * value as the bytes sent rather than re-encode it). The transport makes the parser of a JSON
 * response read the body through {@link #bodyInput}; SSE data events are parsed as text and do not
 * pass through it.
 */
public interface BodyInputDecoder<T> extends MessageDecoder<T> {
  /**
   * The stream the parser reads {@code body} through. Called once per response, before its first
   * message is decoded, on the thread that reads it; the returned stream closes {@code body}.
   */
  InputStream bodyInput(InputStream body);
}
