package dev.rstream.server.http;

import dev.rstream.server.storage.NoSuchStreamException;
import dev.rstream.server.storage.StreamDamagedException;
import dev.rstream.server.write.WriteRejectedException;
import java.io.UncheckedIOException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the write path's refusals and failures are answered: each {@link WriteRejectedException} as
 * its status, error code and the headers a client recovers with (spec 5.2, 5.2.1, 5.3), a store
 * failure as 503. Stateless.
 */
final class WriteFailures {
  private static final Logger log = LoggerFactory.getLogger(WriteFailures.class);

  private WriteFailures() {}

  static HttpError toHttpError(WriteRejectedException e) {
    String message = e.getMessage();
    if (e instanceof WriteRejectedException.NotFound) {
      return HttpError.notFound(e.path());
    } else if (e instanceof WriteRejectedException.Closed closed) {
      return closed(e.path(), closed.incarnation(), closed.tail());
    } else if (e instanceof WriteRejectedException.ConfigMismatch
        || e instanceof WriteRejectedException.CreatedConcurrently) {
      return HttpError.conflict("stream_exists", message);
    } else if (e instanceof WriteRejectedException.ContentTypeMismatch) {
      return HttpError.conflict("content_type_mismatch", message);
    } else if (e instanceof WriteRejectedException.StaleEpoch stale) {
      return new HttpError(403, "stale_producer_epoch", message)
          .header("Producer-Epoch", Long.toString(stale.currentEpoch()));
    } else if (e instanceof WriteRejectedException.EpochNotStartedAtZero) {
      return HttpError.badRequest("invalid_producer_seq", message);
    } else if (e instanceof WriteRejectedException.SequenceGap gap) {
      return HttpError.conflict("producer_sequence_gap", message)
          .header("Producer-Expected-Seq", Long.toString(gap.expected()))
          .header("Producer-Received-Seq", Long.toString(gap.received()));
    } else if (e instanceof WriteRejectedException.StreamSeqRegression) {
      return HttpError.conflict("stream_seq_regression", message);
    } else if (e instanceof WriteRejectedException.InvalidJson) {
      return HttpError.badRequest("invalid_json", message);
    } else if (e instanceof WriteRejectedException.StorageFailed failed) {
      log.warn("create of {} failed: {}", e.path(), failed.failure().toString());
      return new HttpError(503, "storage_failed", message).header("Retry-After", "1");
    } else if (e instanceof WriteRejectedException.ServerOwned) {
      return new HttpError(403, "server_owned_stream", message);
    } else if (e instanceof WriteRejectedException.IndexPathTaken) {
      return HttpError.conflict("index_path_taken", message);
    } else if (e instanceof WriteRejectedException.RejectedByConventions) {
      return HttpError.badRequest("append_rejected", message);
    }
    return new HttpError(500, "internal_error", "unexpected refusal: " + message);
  }

  /**
   * 409 for a write to a closed stream, with its final offset when {@code tail} is known (not
   * negative), so that the client knows where the stream ended.
   */
  static HttpError closed(String path, long incarnation, long tail) {
    HttpError error =
        HttpError.conflict("stream_closed", "stream " + path + " is closed")
            .header("Stream-Closed", "true");
    if (tail >= 0) {
      error.header("Stream-Next-Offset", Offset.format(incarnation, tail));
    }
    return error;
  }

  /**
   * The answer to a write whose future failed: a refusal as {@link
   * #toHttpError(WriteRejectedException)}, anything else (the store could not make it durable) as a
   * logged 503 the client may retry.
   */
  static HttpError toHttpError(Throwable failure, String path) {
    Throwable cause = ErrorResponses.unwrap(failure);
    if (cause instanceof HttpError httpError) {
      return httpError;
    } else if (cause instanceof WriteRejectedException rejected) {
      return toHttpError(rejected);
    } else if (cause instanceof NoSuchStreamException) {
      return HttpError.notFound(path);
    } else if (cause instanceof StreamDamagedException damaged) {
      return damaged(damaged);
    }
    log.error("write to {} failed", path, cause);
    // The cause stays in the log: it names files and internals a client has no use for.
    return new HttpError(503, "storage_failed", "storage failed for stream " + path)
        .header("Retry-After", "1");
  }

  /**
   * 503 for a stream fenced because its file is damaged on disk: the message says how far it is
   * readable; it stays refused until an operator restores or salvages it.
   */
  static HttpError damaged(StreamDamagedException e) {
    return new HttpError(
            503,
            "stream_damaged",
            "stream "
                + e.path()
                + " is damaged on disk and fenced until an operator repairs it;"
                + " it is readable only up to where the damage starts")
        .header("Retry-After", "60");
  }

  /** The damage answer when {@code e} is a read that hit a fenced stream, else null. */
  static @Nullable HttpError damaged(RuntimeException e) {
    return e instanceof UncheckedIOException && e.getCause() instanceof StreamDamagedException d
        ? damaged(d)
        : null;
  }
}
