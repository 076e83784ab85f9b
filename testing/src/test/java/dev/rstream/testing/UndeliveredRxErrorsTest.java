package dev.rstream.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.reactivex.rxjava3.core.Completable;
import io.reactivex.rxjava3.plugins.RxJavaPlugins;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class UndeliveredRxErrorsTest {
  @Test
  void anErrorWithNoSubscriberLeftFailsWithItAsTheCause() {
    UndeliveredRxErrors errors = new UndeliveredRxErrors();
    errors.install();
    IOException lost = new IOException("lost");
    // A second error after the first ended the subscription has no one to go to.
    Completable.create(
            emitter -> {
              emitter.onError(new IOException("first"));
              emitter.onError(lost);
            })
        .onErrorComplete()
        .subscribe();

    assertThat(errors.errors()).hasSize(1);
    assertThatThrownBy(errors::uninstallAndAssertNone)
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("1 undelivered Rx error")
        .cause()
        .isInstanceOf(io.reactivex.rxjava3.exceptions.UndeliverableException.class)
        .cause()
        .isSameAs(lost);
    assertThat(RxJavaPlugins.getErrorHandler()).as("uninstalled").isNull();
  }

  @Test
  void noErrorPasses() {
    UndeliveredRxErrors errors = new UndeliveredRxErrors();
    errors.install();
    Completable.complete().subscribe();
    errors.uninstallAndAssertNone();
    assertThat(RxJavaPlugins.getErrorHandler()).isNull();
  }
}
