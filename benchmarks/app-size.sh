#!/usr/bin/env bash
# The size an Android app pays for rstream (BENCHMARKS.md, "App size"): jar bytes, classes, declared
# methods and method ids of rstream-sdk + rstream-android, of their runtime dependencies as an
# Android build resolves them (okhttp-android's classes for OkHttp), and of OkHttp + RxJava alone.
# Usage: benchmarks/app-size.sh (from anywhere; builds the jars it counts, offline).
set -euo pipefail
cd "$(dirname "$0")/.."

# SKIP_BUILD=1 counts the jars and classes a previous build left.
if [ -z "${SKIP_BUILD:-}" ]; then
  mvn -o -B -ntp -q -pl sdk,android,benchmarks -am package -DskipTests -Dmaven.javadoc.skip=true
fi
classpath=$(mktemp)
aars=$(mktemp -d)
trap 'rm -rf "$classpath" "$aars"' EXIT
mvn -o -B -ntp -q -pl android dependency:build-classpath -DincludeScope=runtime -Dmdep.outputFile="$classpath"
# An Android build resolves OkHttp's multiplatform artifact (an empty jar to Maven) to okhttp-android.
okhttp_version=$(sed -n "s:.*<okhttp.version>\(.*\)</okhttp.version>.*:\1:p" pom.xml)
mvn -o -B -ntp -q dependency:copy -Dartifact="com.squareup.okhttp3:okhttp-android:$okhttp_version:aar" \
  -DoutputDirectory="$aars" -Dmdep.stripVersion=true

rstream="sdk/target/rstream-sdk-0.1.0-SNAPSHOT.jar,android/target/rstream-android-0.1.0-SNAPSHOT.jar"
deps="$aars/okhttp-android.aar"
alone="$aars/okhttp-android.aar"
rows=()
for jar in $(tr ':' ' ' < "$classpath"); do
  name=$(basename "$jar" .jar)
  case "$name" in
    rstream-sdk-*|okhttp-[0-9]*|okio-[0-9]*) continue ;;  # the sdk is counted from its jar; okhttp and okio are empty multiplatform jars
  esac
  deps="$deps,$jar"
  case "$name" in
    okio-jvm-*|kotlin-stdlib-*|annotations-*|rxjava-*|reactive-streams-*) alone="$alone,$jar" ;;
  esac
  rows+=("$name=$jar")
done

java -cp benchmarks/target/classes dev.rstream.benchmarks.size.AppSize \
  "rstream-sdk + rstream-android=$rstream" \
  "their runtime dependencies=$deps" \
  "all of it=$rstream,$deps" \
  "OkHttp + RxJava alone (okhttp-android, okio, kotlin-stdlib, RxJava)=$alone" \
  "rstream-sdk=sdk/target/rstream-sdk-0.1.0-SNAPSHOT.jar" \
  "rstream-android=android/target/rstream-android-0.1.0-SNAPSHOT.jar" \
  "okhttp-android (classes.jar)=$aars/okhttp-android.aar" \
  "${rows[@]}"
