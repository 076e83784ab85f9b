package dev.rstream.server.http;

import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * One kind of request on a stream (a method on {@code /v1/stream/{path}}), once {@link
 * StreamHandler} routed it. Called on a Jetty pool thread; may answer later, from any thread.
 */
interface StreamOperation {

  /**
   * Answers the request for the stream at {@code path}, already validated, now or later; {@code
   * callback} is completed exactly once either way.
   *
   * @throws HttpError when the request is refused before anything started: nothing was stored, and
   *     the caller answers with the error
   */
  void handle(Request request, Response response, Callback callback, String path) throws HttpError;
}
