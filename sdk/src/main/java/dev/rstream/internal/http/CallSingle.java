package dev.rstream.internal.http;

import io.reactivex.rxjava3.core.Single;
import io.reactivex.rxjava3.core.SingleObserver;
import io.reactivex.rxjava3.disposables.Disposable;
import io.reactivex.rxjava3.exceptions.Exceptions;
import java.io.IOException;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.Response;

/**
 * One HTTP exchange as a cold {@link Single}: each subscription makes a new {@link Call} (so
 * dynamic headers are computed afresh), enqueues it, and hands the response to a handler on
 * OkHttp's dispatcher thread; the response is closed after the handler returns. Disposing cancels
 * the call. Network failures surface as {@link dev.rstream.internal.retry.RetryableFailure}.
 */
public final class CallSingle<R> extends Single<R> {
  /** Reads what it needs from a response; must not close it. */
  public interface ResponseHandler<R> {
    R handle(Response response) throws Exception;
  }

  private final Callable<Call> callFactory;
  private final ResponseHandler<R> handler;

  public CallSingle(Callable<Call> callFactory, ResponseHandler<R> handler) {
    this.callFactory = callFactory;
    this.handler = handler;
  }

  @Override
  protected void subscribeActual(SingleObserver<? super R> observer) {
    Call call;
    try {
      call = callFactory.call();
    } catch (Throwable t) {
      Exceptions.throwIfFatal(t);
      observer.onSubscribe(Disposable.disposed());
      observer.onError(t);
      return;
    }
    CallDisposable disposable = new CallDisposable(call);
    observer.onSubscribe(disposable);
    if (disposable.isDisposed()) return;
    call.enqueue(
        new Callback() {
          @Override
          public void onFailure(Call call, IOException e) {
            if (!disposable.isDisposed()) observer.onError(HttpFailures.network(e));
          }

          @Override
          public void onResponse(Call call, Response response) {
            R result;
            try {
              result = handler.handle(response);
            } catch (IOException e) {
              // The body broke off while the handler read it: as retryable as a failed connect.
              if (!disposable.isDisposed()) observer.onError(HttpFailures.network(e));
              return;
            } catch (Throwable t) {
              Exceptions.throwIfFatal(t);
              if (!disposable.isDisposed()) observer.onError(t);
              return;
            } finally {
              response.close();
            }
            if (!disposable.isDisposed()) observer.onSuccess(result);
          }
        });
  }

  private static final class CallDisposable extends AtomicBoolean implements Disposable {
    private static final long serialVersionUID = 1L;
    private final Call call;

    CallDisposable(Call call) {
      this.call = call;
    }

    @Override
    public void dispose() {
      if (compareAndSet(false, true)) call.cancel();
    }

    @Override
    public boolean isDisposed() {
      return get();
    }
  }
}
