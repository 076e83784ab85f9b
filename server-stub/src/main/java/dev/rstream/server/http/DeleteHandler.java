package dev.rstream.server.http;

import dev.rstream.server.write.StreamWriter;
import dev.rstream.server.write.WriteRejectedException;
import java.util.concurrent.CompletableFuture;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** DELETE: deletes a stream (spec 5.4); answers 204 once the deletion is durable. */
final class DeleteHandler implements StreamOperation {
  private final StreamWriter writer;

  DeleteHandler(StreamWriter writer) {
    this.writer = writer;
  }

  @Override
  public void handle(Request request, Response response, Callback callback, String path)
      throws HttpError {
    if (writer.liveMeta(path, false) == null) {
      throw HttpError.notFound(path);
    }
    CompletableFuture<Void> deleted;
    try {
      deleted = writer.delete(path);
    } catch (WriteRejectedException e) {
      throw WriteFailures.toHttpError(e);
    }
    deleted.whenComplete(
        (ignored, error) -> {
          if (error != null) {
            ErrorResponses.write(
                request, response, callback, WriteFailures.toHttpError(error, path));
          } else {
            response.setStatus(204);
            response.write(true, null, callback);
          }
        });
  }
}
