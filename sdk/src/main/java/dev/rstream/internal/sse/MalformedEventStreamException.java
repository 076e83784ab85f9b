package dev.rstream.internal.sse;

import java.net.ProtocolException;

/**
 * The event stream itself is at fault: a line or an event past the reader's {@link
 * ServerSentEventReader.Limits}, or data that is not UTF-8 where the limits refuse it. Distinct
 * from the {@link ProtocolException} a transport throws for a body cut short, which is a network
 * fault.
 */
public final class MalformedEventStreamException extends ProtocolException {
  private static final long serialVersionUID = 1L;

  public MalformedEventStreamException(String message) {
    super(message);
  }
}
