package dev.rstream.examples.conformance;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rstream.ConflictException;
import dev.rstream.OffsetGoneException;
import dev.rstream.ProducerFencedException;
import dev.rstream.ProtocolException;
import dev.rstream.RStreamException;
import dev.rstream.SequenceConflictException;
import dev.rstream.SequenceRegressionException;
import dev.rstream.StreamClosedException;
import dev.rstream.StreamNotFoundException;
import dev.rstream.TransientException;
import io.reactivex.rxjava3.exceptions.CompositeException;
import java.io.InterruptedIOException;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * The answers the runner reads: a success of a command type, or an error with one of the suite's
 * error codes, the library's exception types mapped to them. Stateless.
 */
final class Answers {
  private Answers() {}

  /** A successful answer to a command of {@code type}, for the command to add its fields to. */
  static ObjectNode ok(String type) {
    ObjectNode answer = JsonNodeFactory.instance.objectNode();
    answer.put("type", type);
    answer.put("success", true);
    return answer;
  }

  /** A failed answer to a command of {@code commandType}; {@code status} only if HTTP gave one. */
  static ObjectNode error(
      String commandType, String code, @Nullable String message, @Nullable Integer status) {
    ObjectNode answer = JsonNodeFactory.instance.objectNode();
    answer.put("type", "error");
    answer.put("success", false);
    answer.put("commandType", commandType);
    if (status != null) answer.put("status", status);
    answer.put("errorCode", code);
    answer.put("message", message != null ? message : code);
    return answer;
  }

  /** Maps a failure of the library (or of the adapter) to the suite's error codes. */
  static ObjectNode error(String commandType, Throwable t) {
    Throwable e = unwrap(t);
    Integer status =
        e instanceof RStreamException && ((RStreamException) e).status() != 0
            ? ((RStreamException) e).status()
            : null;
    String message = e.getMessage() != null ? e.getMessage() : e.toString();
    return error(commandType, code(e, status), message, status);
  }

  private static String code(Throwable e, @Nullable Integer status) {
    if (e instanceof StreamClosedException) return "STREAM_CLOSED";
    if (e instanceof SequenceConflictException || e instanceof SequenceRegressionException) {
      return "SEQUENCE_CONFLICT";
    }
    if (e instanceof ConflictException) return "CONFLICT";
    if (e instanceof StreamNotFoundException) return "NOT_FOUND";
    if (e instanceof OffsetGoneException) return "INVALID_OFFSET";
    if (e instanceof ProtocolException) return "PARSE_ERROR";
    if (e instanceof ProducerFencedException) return "UNEXPECTED_STATUS";
    if (e instanceof TransientException) {
      if (status != null) return "UNEXPECTED_STATUS";
      return e.getCause() instanceof InterruptedIOException ? "TIMEOUT" : "NETWORK_ERROR";
    }
    if (e instanceof RStreamException) return "UNEXPECTED_STATUS";
    if (e instanceof TimeoutException) return "TIMEOUT";
    if (e instanceof IllegalArgumentException || e instanceof IllegalStateException) {
      return "INVALID_ARGUMENT";
    }
    if (e instanceof JsonProcessingException) return "PARSE_ERROR";
    return "INTERNAL_ERROR";
  }

  /** Rx wraps checked exceptions (and timeouts) thrown through blocking calls. */
  private static Throwable unwrap(Throwable t) {
    Throwable e = t;
    while (e.getCause() != null
        && !(e instanceof RStreamException)
        && (e.getClass() == RuntimeException.class || e instanceof CompositeException)) {
      e = e.getCause();
    }
    return e;
  }
}
