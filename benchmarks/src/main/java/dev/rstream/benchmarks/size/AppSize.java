package dev.rstream.benchmarks.size;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * The size an app pays for jars: for each group of jars, their bytes, classes, declared methods
 * (what {@code javap} lists, constructors included) and method ids (the declared methods and every
 * method they call, counted once: what a dex file's 64K method limit counts, estimated from the
 * class files; d8 is not on Maven Central). An {@code .aar} counts as its {@code classes.jar}.
 *
 * <p>Usage: {@code AppSize NAME=JAR[,JAR...] ...}; prints one Markdown table row per group.
 */
public final class AppSize {
  private AppSize() {}

  public static void main(String[] args) throws IOException {
    System.out.println("| jars | bytes | classes | declared methods | method ids (dex estimate) |");
    System.out.println("|---|---:|---:|---:|---:|");
    for (String arg : args) {
      int eq = arg.indexOf('=');
      String name = arg.substring(0, eq);
      Count count = new Count();
      for (String path : arg.substring(eq + 1).split(",")) count.add(new File(path));
      System.out.printf(
          Locale.ROOT,
          "| %s | %,d | %,d | %,d | %,d |%n",
          name,
          count.bytes,
          count.classes,
          count.declared,
          count.methodIds.size());
    }
  }

  /** What a group of jars holds; method ids are counted once over the group, as one dex would. */
  private static final class Count {
    long bytes;
    int classes;
    int declared;
    final Set<String> methodIds = new HashSet<>();

    void add(File jar) throws IOException {
      if (jar.getName().endsWith(".aar")) {
        try (ZipInputStream aar = new ZipInputStream(Files.newInputStream(jar.toPath()))) {
          for (ZipEntry e; (e = aar.getNextEntry()) != null; ) {
            if (e.getName().equals("classes.jar")) {
              byte[] classesJar = aar.readAllBytes();
              bytes += classesJar.length;
              readJar(new ByteArrayInputStream(classesJar));
              return;
            }
          }
        }
        throw new IOException(jar + " has no classes.jar");
      }
      bytes += jar.length();
      try (InputStream in = Files.newInputStream(jar.toPath())) {
        readJar(in);
      }
    }

    private void readJar(InputStream in) throws IOException {
      ZipInputStream zip = new ZipInputStream(in);
      for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
        String name = e.getName();
        // Other Java versions' copies and module descriptors are not in an Android app.
        if (!name.endsWith(".class")
            || name.startsWith("META-INF/")
            || name.endsWith("module-info.class")) {
          continue;
        }
        classes++;
        readClass(zip.readAllBytes());
      }
    }

    /**
     * Reads a class file far enough for its methods and the methods it refers to (JVMS 4.1): the
     * constant pool, then the fields, skipped, then the methods. Written by hand because Java 17
     * has no class-file API and javap would cost a process per class.
     */
    private void readClass(byte[] bytes) throws IOException {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
      in.readInt(); // magic
      in.readUnsignedShort(); // minor
      in.readUnsignedShort(); // major
      int count = in.readUnsignedShort();
      Object[] pool = new Object[count];
      int[][] refs = new int[count][];
      for (int i = 1; i < count; i++) {
        int tag = in.readUnsignedByte();
        switch (tag) {
          case 1: // Utf8
            pool[i] = in.readUTF();
            break;
          case 3: // Integer
          case 4: // Float
            in.readInt();
            break;
          case 5: // Long
          case 6: // Double
            in.readLong();
            i++;
            break;
          case 7: // Class
          case 8: // String
          case 16: // MethodType
          case 19: // Module
          case 20: // Package
            refs[i] = new int[] {tag, in.readUnsignedShort()};
            break;
          case 9: // Fieldref
          case 10: // Methodref
          case 11: // InterfaceMethodref
          case 12: // NameAndType
          case 17: // Dynamic
          case 18: // InvokeDynamic
            refs[i] = new int[] {tag, in.readUnsignedShort(), in.readUnsignedShort()};
            break;
          case 15: // MethodHandle
            in.readUnsignedByte();
            in.readUnsignedShort();
            break;
          default:
            throw new IOException("constant pool tag " + tag);
        }
      }
      in.readUnsignedShort(); // access
      String owner = (String) pool[refs[in.readUnsignedShort()][1]];
      in.readUnsignedShort(); // super
      in.skipBytes(2 * in.readUnsignedShort()); // interfaces
      skipMembers(in, false, owner, pool);
      skipMembers(in, true, owner, pool);
      for (int i = 1; i < count; i++) {
        if (refs[i] != null && (refs[i][0] == 10 || refs[i][0] == 11)) {
          String refOwner = (String) pool[refs[refs[i][1]][1]];
          int[] nameAndType = refs[refs[i][2]];
          methodIds.add(refOwner + '.' + pool[nameAndType[1]] + pool[nameAndType[2]]);
        }
      }
    }

    private void skipMembers(DataInputStream in, boolean methods, String owner, Object[] pool)
        throws IOException {
      int members = in.readUnsignedShort();
      for (int m = 0; m < members; m++) {
        in.readUnsignedShort(); // access
        String name = (String) pool[in.readUnsignedShort()];
        String descriptor = (String) pool[in.readUnsignedShort()];
        if (methods) {
          declared++;
          methodIds.add(owner + '.' + name + descriptor);
        }
        int attributes = in.readUnsignedShort();
        for (int a = 0; a < attributes; a++) {
          in.readUnsignedShort();
          in.skipBytes(in.readInt());
        }
      }
    }
  }
}
