#!/usr/bin/env bash
# Grounds the fixture pairs on a Spark standalone cluster started on this machine (a master and two workers, each
# its own JVM, bound to 127.0.0.1), submitted in client deploy mode as spark-submit would, and compares the rows
# with `rsground predict --manifest` on the same pairs. The executors run in JVMs the workers start, with the
# application's jars shipped by --jars: the path a real cluster takes.
#
# Usage: spark/scripts/standalone-cluster.sh [WORK_DIR]   (default: a new temporary folder, kept for inspection)
# Environment: MVN_ARGS (e.g. -o for an offline build), WORKERS (default 2), KEEP=1 leaves the cluster running,
# SKIP_BUILD=1 reuses the build of an earlier run in the same WORK_DIR.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="${1:-$(mktemp -d /tmp/rsground-cluster.XXXXXX)}"
workers="${WORKERS:-2}"
fixture="$root/../shared/fixtures/clipvg-tiny"
bpe="$root/../shared/clip/bpe_simple_vocab_16e6.txt.gz"
mkdir -p "$work"
echo "cluster-check: working in $work" >&2

# 1. The launcher's jars (cli/target/lib), the job jar and the jars it ships (spark/target/submit-lib, as
#    docs/spark.md builds them), and the list of the spark module's provided (Spark's own) dependencies.
build() { # Maven's output goes to WORK_DIR/build.log, its tail to stderr when it fails
  if ! (cd "$root" && mvn -B -q ${MVN_ARGS:-} "$@") >> "$work/build.log" 2>&1; then
    tail -30 "$work/build.log" >&2
    exit 1
  fi
}
if [ "${SKIP_BUILD:-0}" != 1 ] || [ ! -f "$work/provided.classpath" ]; then
  build package -DskipTests
  build package dependency:copy-dependencies -DskipTests -pl spark -am -DincludeScope=runtime \
      -DexcludeGroupIds=com.fasterxml.jackson.core,org.slf4j -DoutputDirectory=target/submit-lib
  build package dependency:build-classpath -DskipTests -pl spark -am -DincludeScope=provided \
      -Dmdep.outputFile="$work/provided.classpath"
fi

# 2. A Spark home as a distribution lays it out: jars/ holds Spark and what Spark itself loads (the provided
#    dependencies, matched by artifact in the versions the launcher resolves, plus Jackson, SLF4J, commons-* and the
#    javax.servlet API its web UIs need), never the application's. Workers build their executors' class path from it.
home="$work/spark-home"
rm -rf "$home" && mkdir -p "$home/jars"
artifact() { sed -E 's/-[0-9][^-]*(-[A-Za-z0-9_.-]*)?\.jar$//'; }
provided="$(tr ':' '\n' < "$work/provided.classpath" | xargs -n1 basename | artifact | sort -u)"
for jar in "$root"/cli/target/lib/*.jar; do
  name="$(basename "$jar")"
  if grep -qxF "$(artifact <<< "$name")" <<< "$provided" \
      || [[ "$name" =~ ^(jackson-|slf4j-|commons-|guava-|failureaccess-|javax.servlet-api-) ]]; then
    ln -s "$jar" "$home/jars/$name"
  fi
done

opens=()
for p in java.lang java.lang.invoke java.lang.reflect java.io java.net java.nio java.util java.util.concurrent \
    java.util.concurrent.atomic sun.nio.ch sun.nio.cs sun.security.action sun.util.calendar; do
  opens+=("--add-opens=java.base/$p=ALL-UNNAMED")
done
export SPARK_HOME="$home" SPARK_SCALA_VERSION=2.12 SPARK_LOCAL_IP=127.0.0.1
spark_java=(java -Xmx512m -cp "$home/jars/*" "${opens[@]}")

pids=()
stop_cluster() {
  if [ "${KEEP:-0}" != 1 ]; then
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait "${pids[@]}" 2>/dev/null || true # a worker stops its executors before it exits
  fi
}
trap stop_cluster EXIT

wait_for() { # file pattern what pid
  for _ in $(seq 1 120); do
    if grep -q "$2" "$1" 2>/dev/null; then return 0; fi
    if ! kill -0 "$4" 2>/dev/null; then break; fi
    sleep 1
  done
  echo "cluster-check: $3 did not come up; see $1" >&2
  exit 1
}

# 3. The master, on a free port it picks and reports.
"${spark_java[@]}" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port 0 --webui-port 0 \
    > "$work/master.log" 2>&1 &
pids+=($!)
wait_for "$work/master.log" "Starting Spark master at" "the master" "${pids[0]}"
master="$(grep -o 'spark://127.0.0.1:[0-9]*' "$work/master.log" | head -1)"
echo "cluster-check: master $master" >&2

# 4. The workers: one core each, so the tasks spread over both.
rm -rf "$work"/worker-*
for n in $(seq 1 "$workers"); do
  "${spark_java[@]}" org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --port 0 --webui-port 0 \
      --cores 1 --memory 2g --work-dir "$work/worker-$n" "$master" > "$work/worker-$n.log" 2>&1 &
  pids+=($!)
done
for n in $(seq 1 "$workers"); do
  wait_for "$work/worker-$n.log" "Successfully registered with master" "worker $n" "${pids[$n]}"
done

# 5. The pairs: the fixture's images and queries, two queries on one image, and a missing image.
data="$work/data"
mkdir -p "$data" && cp "$fixture"/images/* "$data/"
python3 - "$fixture/samples.json" "$data/pairs.jsonl" <<'EOF'
import json, os, sys
samples = json.load(open(sys.argv[1]))["samples"]
with open(sys.argv[2], "w") as out:
    for s in samples:
        out.write(json.dumps({"image": os.path.basename(s["image"]), "query": s["query"]}) + "\n")
    out.write(json.dumps({"image": "sample_1.png", "queries": [samples[0]["query"], samples[2]["query"]]}) + "\n")
    out.write(json.dumps({"image": "missing.png", "query": "the red roof"}) + "\n")
EOF

# 6. The job, submitted in client mode: the driver is this JVM, the executors the workers'. The model paths are
#    relative to the driver's working folder, as a user types them; the job hands the executors absolute ones.
rel_fixture="../shared/fixtures/clipvg-tiny"
model_args=(--weights "$rel_fixture/weights.safetensors" --model-config "$rel_fixture/model.json"
    --bpe ../shared/clip/bpe_simple_vocab_16e6.txt.gz)
submit_jars="$(ls "$root"/spark/target/submit-lib/*.jar | paste -sd,)"
rm -rf "$work/spark-out" "$work/rsground-out"
(cd "$root" && "${spark_java[@]}" -Dai.djl.offline=true org.apache.spark.deploy.SparkSubmit \
    --master "$master" --deploy-mode client --class io.rsground.spark.GroundingJob \
    --conf spark.driver.host=127.0.0.1 --conf spark.ui.enabled=false \
    --conf spark.executor.memory=1g --conf spark.executor.cores=1 \
    --conf spark.executor.extraJavaOptions=-Dai.djl.offline=true \
    --jars "$submit_jars" "$root/spark/target/rsground-spark-0.1.0-SNAPSHOT.jar" "${model_args[@]}" \
    --input "$data/pairs.jsonl" --output "$work/spark-out" --format json --partitions 4) \
    2> "$work/driver.log" | tee "$work/summary.txt"

# 6b. The same from `rsground spark ground --master spark://...`: its JVM is the driver; spark.jars (read from the
#     JVM's system properties, like every spark.* setting) ships the same jars to the executors.
(cd "$root" && RSGROUND_JAVA_OPTS="-Dspark.jars=$submit_jars,$root/spark/target/rsground-spark-0.1.0-SNAPSHOT.jar \
    -Dspark.driver.host=127.0.0.1 -Dspark.ui.enabled=false -Dspark.executor.memory=1g -Dspark.executor.cores=1" \
    ./rsground spark ground --master "$master" "${model_args[@]}" --input "$data/pairs.jsonl" \
    --output "$work/rsground-out" --format json --partitions 4) 2> "$work/rsground-driver.log" \
    | tee -a "$work/summary.txt"

# 7. The same pairs through predict --manifest, and the comparison.
rm -f "$work/predict.jsonl"
"$root/rsground" predict --weights "$fixture/weights.safetensors" --model-config "$fixture/model.json" \
    --bpe "$bpe" --manifest "$data/pairs.jsonl" --out "$work/predict.jsonl" 2> "$work/predict.log"
jobs="$(ls -d "$work"/worker-*/app-* | xargs -n1 basename | sort -u | wc -l)"
executors="$(find "$work"/worker-* -name stderr -path '*/app-*' | wc -l)"
tasks="$(cat "$work"/worker-*/app-*/*/stderr | grep -c 'Finished task' || true)"
loads="$(cat "$work"/worker-*/app-*/*/stderr | grep -c 'rsground: loaded' || true)"
echo "cluster-check: $jobs jobs; $executors executor JVMs ran $tasks tasks and loaded the model $loads times" >&2
if [ "$executors" -lt 1 ] || [ "$tasks" -lt 1 ]; then
  echo "cluster-check: no task ran in a worker's executor" >&2
  exit 1
fi
for out in spark-out rsground-out; do
python3 - "$work/$out" "$work/predict.jsonl" <<'EOF'
import glob, json, os, sys
spark = sorted((json.loads(l) for f in glob.glob(sys.argv[1] + "/part-*.json") for l in open(f) if l.strip()),
               key=lambda r: r["row_id"])
local = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
name = os.path.basename(sys.argv[1])
assert len(spark) == len(local), f"{len(spark)} Spark rows, {len(local)} predict lines"
worst = {"box_xyxy": 0.0, "box_cxcywh_norm": 0.0, "score": 0.0}
for s, p in zip(spark, local):
    assert ("error" in s) == ("error" in p), f"row {s['row_id']}: {s.get('error')} / {p.get('error')}"
    if "error" in s:
        continue
    assert [r["query"] for r in s["results"]] == [r["query"] for r in p["results"]], f"row {s['row_id']}: queries"
    for a, b in zip(s["results"], p["results"]):
        for key in ("box_xyxy", "box_cxcywh_norm"):
            worst[key] = max([worst[key]] + [abs(x - y) for x, y in zip(a[key], b[key])])
        assert (a.get("score") is None) == (b.get("score") is None), f"row {s['row_id']}: score"
        if a.get("score") is not None:
            worst["score"] = max(worst["score"], abs(a["score"] - b["score"]))
errors = sum("error" in s for s in spark)
print(f"cluster-check: {name}: {len(spark)} rows ({errors} with an error, the same rows as predict --manifest); "
      f"largest difference from predict --manifest: box_xyxy {worst['box_xyxy']:.1e} px, box_cxcywh_norm "
      f"{worst['box_cxcywh_norm']:.1e}, score {worst['score']:.1e}")
# PyTorch's reductions run on one thread per task here and on several in predict: rounding differs a little
assert worst["box_xyxy"] < 1e-2 and worst["box_cxcywh_norm"] < 1e-5 and worst["score"] < 1e-5, \
    "the cluster's boxes differ from predict --manifest"
EOF
done
