package dev.rstream.android;

import dev.rstream.LocalStore;
import dev.rstream.LocalStoreContractTest;
import java.io.File;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.robolectric.ParameterizedRobolectricTestRunner;
import org.robolectric.ParameterizedRobolectricTestRunner.Parameters;
import org.robolectric.RuntimeEnvironment;

/**
 * {@link AndroidSqliteStore} passes the sdk's store contract on Android's own SQLite classes, each
 * store in a new file of the app's files directory.
 *
 * <p>The contract suite is written for JUnit 5, which cannot run Robolectric: each of its tests is
 * run here as one parameter of Robolectric's JUnit 4 runner, on a fresh instance with its
 * {@code @AfterEach} after it, so a new contract test is picked up without a change here.
 */
@RunWith(ParameterizedRobolectricTestRunner.class)
public class AndroidSqliteStoreContractTest {
  private final String test;

  public AndroidSqliteStoreContractTest(String test) {
    this.test = test;
  }

  /** The names of the contract's tests. */
  @Parameters(name = "{0}")
  public static List<Object[]> contractTests() {
    List<Object[]> tests = new ArrayList<>();
    Method[] methods = LocalStoreContractTest.class.getMethods();
    java.util.Arrays.sort(methods, Comparator.comparing(Method::getName));
    for (Method m : methods) {
      if (m.isAnnotationPresent(org.junit.jupiter.api.Test.class))
        tests.add(new Object[] {m.getName()});
    }
    if (tests.isEmpty())
      throw new AssertionError("no tests found in " + LocalStoreContractTest.class);
    return tests;
  }

  @Test
  public void passesTheContract() throws Throwable {
    Contract contract = new Contract(RuntimeEnvironment.getApplication().getFilesDir());
    Method method = LocalStoreContractTest.class.getMethod(test);
    try {
      method.invoke(contract);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    } finally {
      contract.closeStores();
    }
  }

  /** The contract over {@link AndroidSqliteStore}, each store in a new file under {@code dir}. */
  @org.junit.jupiter.api.Disabled("run by the enclosing Robolectric test, on Android's classes")
  static final class Contract extends LocalStoreContractTest {
    private final File dir;

    Contract(File dir) {
      this.dir = dir;
    }

    @Override
    protected LocalStore open(File file) {
      return AndroidSqliteStore.open(file);
    }

    @Override
    protected File directory() {
      return dir;
    }
  }
}
