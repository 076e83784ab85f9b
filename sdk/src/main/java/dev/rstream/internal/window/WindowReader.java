package dev.rstream.internal.window;

import dev.rstream.Keyframe;
import dev.rstream.LocalStore.StoredWindow;
import dev.rstream.Offset;
import dev.rstream.ProtocolException;
import dev.rstream.durable.ReadBatch;
import dev.rstream.durable.ReadOptions;
import dev.rstream.internal.state.Control;
import dev.rstream.internal.state.StateMessage;
import dev.rstream.internal.store.StoreMirror;
import io.reactivex.rxjava3.core.Single;
import org.jspecify.annotations.Nullable;

/**
 * Reads one committed window, keyframe to keyframe: from the local store if it holds it, else
 * exactly that range of the stream (only its part after what the live window held of it, if
 * anything). Cold: each subscription reads once.
 */
final class WindowReader {
  private final StreamSource source;
  private final StoreMirror store;
  private final ProgressBoard progress;
  private final String url;

  WindowReader(StreamSource source, StoreMirror store, ProgressBoard progress) {
    this.source = source;
    this.store = store;
    this.progress = progress;
    this.url = source.url();
  }

  /** The window {@code [start, end)} with id {@code id}; {@code prefix} is its start, if held. */
  Single<HeldWindow> read(String id, Keyframe start, Keyframe end, @Nullable Window prefix) {
    return Single.defer(
        () -> {
          StoredWindow stored = store.window(id);
          if (stored != null)
            return Single.just(new HeldWindow(StoredWindows.restore(stored), true));
          return readWindow(start, end, prefix).map(window -> new HeldWindow(window, false));
        });
  }

  /** Reads {@code [start, end)}, or only its part after {@code prefix} when that is held. */
  private Single<Window> readWindow(Keyframe start, Keyframe end, @Nullable Window prefix) {
    return Single.defer(
        () -> {
          if (prefix != null && prefix.offset().compareTo(end.offset()) >= 0) {
            return Single.just(prefix.withEnd(end));
          }
          WindowAssembler assembler =
              prefix != null
                  ? WindowAssembler.resuming(prefix)
                  : WindowAssembler.atKeyframe(start.offset());
          Offset from = prefix != null ? prefix.offset() : start.offset();
          ReadOptions options = ReadOptions.builder().offset(from).endOffset(end.offset()).build();
          return source
              .read(options)
              .map(batch -> consumeWindowBatch(assembler, batch, end))
              .takeUntil(done -> done)
              .ignoreElements()
              .andThen(
                  Single.fromCallable(
                      () -> {
                        Window window = assembler.current();
                        if (window == null || window.start() == null || assembler.inKeyframe()) {
                          throw new ProtocolException(
                              "no complete keyframe where the index says one starts",
                              url,
                              start.offset(),
                              0,
                              null);
                        }
                        return window.withEnd(end);
                      }));
        });
  }

  /** Applies one batch of a window read; true once the window's end is reached. */
  private boolean consumeWindowBatch(
      WindowAssembler assembler, ReadBatch<StateMessage> batch, Keyframe end) {
    progress.messagesRead(batch.messages().size());
    for (StateMessage message : batch.messages()) {
      Offset offset = message.offset();
      // A read ends at a batch boundary the server picks; the window ends exactly at its end bound.
      if (offset != null && offset.compareTo(end.offset()) > 0) return true;
      if (message.is(Control.Kind.SNAPSHOT_START) && assembler.current() != null) return true;
      if (accept(assembler, message, url) == WindowAssembler.Event.RESET) {
        throw new ProtocolException(
            "reset control inside a committed window", url, assembler.unitEnd(), 0, null);
      }
    }
    if (!batch.partial()) {
      assembler.unitBoundary(batch.nextOffset());
      return batch.nextOffset().compareTo(end.offset()) >= 0;
    }
    return false;
  }

  /**
   * Applies {@code message}; a stream that breaks the protocol fails as a {@link
   * ProtocolException}.
   */
  static WindowAssembler.Event accept(WindowAssembler assembler, StateMessage message, String url) {
    try {
      return assembler.accept(message);
    } catch (MalformedStreamException e) {
      throw new ProtocolException(String.valueOf(e.getMessage()), url, e.offset(), 0, e);
    }
  }
}
