package dev.rstream.internal.outbox;

import dev.rstream.ConflictException;
import dev.rstream.SequenceConflictException;
import dev.rstream.UnexpectedStatusException;
import dev.rstream.durable.AppendResult;
import io.reactivex.rxjava3.core.Single;

/** How an {@link Outbox} reads the server's answers to its sends. */
final class OutboxAnswers {
  private OutboxAnswers() {}

  /** 400, 413 and other refusals of the request itself; not 408/429 (transient) or auth. */
  static boolean refusedForGood(Throwable error) {
    if (error instanceof UnexpectedStatusException) {
      int status = ((UnexpectedStatusException) error).status();
      return status >= 400 && status < 500 && status != 408 && status != 429 && status != 403;
    }
    return error instanceof ConflictException && !(error instanceof SequenceConflictException);
  }

  /**
   * The answer with the offset the overlay waits for before it drops the entry. A duplicate answer
   * names none (the server applied the entry before, at an offset it does not repeat): the tail
   * read after it is at or past that offset, so a confirmed state there holds the entry. Dropping
   * it at once instead would show the older value in every view before the live state reaches it. A
   * failed tail read fails the send, which is retried and answered as a duplicate again.
   */
  static Single<AppendResult> withEcho(AppendResult result, OutboxLink link) {
    if (result.nextOffset() != null || !result.duplicate()) return Single.just(result);
    return link.tail
        .read()
        .map(
            tail ->
                AppendResult.builder()
                    .status(result.status())
                    .nextOffset(tail)
                    .streamClosed(result.streamClosed())
                    .duplicate(true)
                    .producerEpoch(result.producerEpoch())
                    .producerSeq(result.producerSeq())
                    .headers(result.headers())
                    .build());
  }
}
