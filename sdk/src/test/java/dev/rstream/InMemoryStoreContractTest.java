package dev.rstream;

/** {@link LocalStore#inMemory()} passes the store contract. */
class InMemoryStoreContractTest extends LocalStoreContractTest {
  @Override
  protected LocalStore newStore() {
    return LocalStore.inMemory();
  }
}
