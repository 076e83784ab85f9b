package dev.rstream.android;

import dev.rstream.LocalStoreContractTest;
import java.io.File;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.junit.Test;
import org.junit.jupiter.api.Nested;
import org.junit.runner.RunWith;
import org.robolectric.ParameterizedRobolectricTestRunner;
import org.robolectric.ParameterizedRobolectricTestRunner.Parameters;
import org.robolectric.RuntimeEnvironment;

/**
 * {@link AndroidSqliteStore} passes the sdk's store contract on Android's own SQLite classes, each
 * store in a new file of the app's files directory.
 *
 * <p>The contract suite is written for JUnit 5, which cannot run Robolectric: each test of each of
 * its {@code @Nested} suites is run here as one parameter of Robolectric's JUnit 4 runner, on a
 * fresh instance with the contract's {@code @AfterEach} after it, so a new contract test is picked
 * up without a change here.
 */
@RunWith(ParameterizedRobolectricTestRunner.class)
public class AndroidSqliteStoreContractTest {
  private final String suite;
  private final String test;

  public AndroidSqliteStoreContractTest(String suite, String test) {
    this.suite = suite;
    this.test = test;
  }

  /** The contract's nested suites and the names of their tests. */
  @Parameters(name = "{0}.{1}")
  public static List<Object[]> contractTests() {
    List<Object[]> tests = new ArrayList<>();
    Class<?>[] suites = LocalStoreContractTest.class.getClasses();
    Arrays.sort(suites, Comparator.comparing(Class::getSimpleName));
    for (Class<?> suite : suites) {
      if (!suite.isAnnotationPresent(Nested.class)) continue;
      Method[] methods = suite.getMethods();
      Arrays.sort(methods, Comparator.comparing(Method::getName));
      for (Method m : methods) {
        if (m.isAnnotationPresent(org.junit.jupiter.api.Test.class))
          tests.add(new Object[] {suite.getSimpleName(), m.getName()});
      }
    }
    if (tests.isEmpty())
      throw new AssertionError("no tests found in " + LocalStoreContractTest.class);
    return tests;
  }

  private static Class<?> nestedSuite(String name) {
    for (Class<?> suite : LocalStoreContractTest.class.getClasses()) {
      if (suite.getSimpleName().equals(name)) return suite;
    }
    throw new AssertionError("no suite " + name + " in " + LocalStoreContractTest.class);
  }

  @Test
  public void passesTheContract() throws Throwable {
    Contract contract = new Contract(RuntimeEnvironment.getApplication().getFilesDir());
    try {
      Class<?> nested = nestedSuite(suite);
      Object cases = nested.getConstructor(LocalStoreContractTest.class).newInstance(contract);
      nested.getMethod(test).invoke(cases);
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
      super(AndroidSqliteStore::open);
      this.dir = dir;
    }

    @Override
    protected File directory() {
      return dir;
    }
  }
}
