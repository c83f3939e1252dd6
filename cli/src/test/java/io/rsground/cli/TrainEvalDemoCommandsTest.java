package io.rsground.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rsground.config.TrainConfig;
import io.rsground.data.ProgressListener;
import io.rsground.data.synth.SceneGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The training, evaluation, visualisation, demo and bench commands end to end on small inputs. */
class TrainEvalDemoCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path dir;
    static Path data;

    @BeforeAll
    static void data() throws Exception {
        data = dir.resolve("data");
        SceneGenerator.generate(data, 6, 96, 3, 1, ProgressListener.NONE);
    }

    static void assertMetricsShape(JsonNode m) {
        for (String space : List.of("pixel", "normalized")) {
            assertThat(m.get(space).fieldNames()).toIterable()
                    .containsExactly("pr50", "pr60", "pr70", "pr80", "pr90", "mean_iou", "cum_iou");
            m.get(space).forEach(v -> assertThat(v.asDouble()).isBetween(0.0, 1.0));
        }
        assertThat(m.get("per_class").size()).isPositive();
    }

    @Test
    void trainThenEvaluateThenVisualize() throws Exception {
        Path out = dir.resolve("run");
        // snake_case spellings of the reference are accepted as aliases
        CliRunner.Result train = CliRunner.run("train", "--data_root", data.toString(), "--output_dir",
                out.toString(), "--preset", "tiny", "--imsize", "64", "--epochs", "2", "--batch_size", "8",
                "--num_workers", "0", "--lr", "2e-4", "--lr_scheduler", "poly", "--clip_max_norm", "0.5");
        assertThat(train.exitCode()).as(train.err()).isZero();
        assertThat(train.out()).contains("epoch 2: train loss").contains("finished after 2 epochs");
        for (String f : List.of("checkpoint/checkpoint.json", "best_checkpoint/weights.safetensors", "log.jsonl",
                "loss.png", "metrics.png", "train-config.json", "model.json")) {
            assertThat(out.resolve(f)).as(f).exists();
        }
        List<String> log = Files.readAllLines(out.resolve("log.jsonl"));
        assertThat(log).hasSize(2);
        JsonNode epoch = JSON.readTree(log.get(1));
        assertThat(epoch.get("epoch").asInt()).isEqualTo(2);
        assertThat(epoch.get("train").has("l1")).isTrue();
        assertThat(epoch.get("val").has("pr50")).isTrue();
        assertThat(epoch.get("lr").get("fusion").asDouble()).isPositive();
        assertThat(JSON.readTree(out.resolve("train-config.json").toFile()).get("schedule").get("kind").asText())
                .isEqualTo("poly");
        // the run's settings file given back is the run's settings
        Path settings = out.resolve("train-config.json");
        assertThat(TrainConfigFileTest.parse("--config", settings.toString()))
                .isEqualTo(TrainConfig.fromJson(Files.readString(settings)));

        Path metrics = dir.resolve("metrics.json");
        Path predictions = dir.resolve("predictions.jsonl");
        CliRunner.Result eval = CliRunner.run("eval", "--checkpoint", out.resolve("best_checkpoint").toString(),
                "--data-root", data.toString(), "--split", "test", "--json", metrics.toString(), "--predictions",
                predictions.toString(), "--report", dir.resolve("report.md").toString(), "--num-workers", "0");
        assertThat(eval.exitCode()).as(eval.err()).isZero();
        JsonNode m = JSON.readTree(metrics.toFile());
        assertThat(m.get("split").asText()).isEqualTo("test");
        assertMetricsShape(m);
        List<String> lines = Files.readAllLines(predictions);
        assertThat(lines).hasSize(m.get("samples").asInt());
        JsonNode first = JSON.readTree(lines.get(0));
        assertThat(first.has("gt_xyxy") && first.has("pred_xyxy") && first.has("iou") && first.has("query")).isTrue();
        assertThat(Files.readString(dir.resolve("report.md"))).contains("Per class").contains("By query length");
        assertThat(m.get("split_fingerprint").asText()).isEqualTo(io.rsground.data.GroundingDataset.open(data, null)
                .fingerprint("test"));

        // the measurer's reliabilities are the IoUs eval measured, label by label
        Path reliability = dir.resolve("reliability");
        String[] measure = {"reliability", "--checkpoint", out.resolve("best_checkpoint").toString(), "--data-root",
            data.toString(), "--split", "test", "--out", reliability.toString(), "--num-workers", "0"};
        CliRunner.Result scored = CliRunner.run(measure);
        assertThat(scored.exitCode()).as(scored.err()).isZero();
        List<String> labels = Files.readAllLines(reliability.resolve("reliability.jsonl"));
        assertThat(labels).hasSize(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            JsonNode label = JSON.readTree(labels.get(i));
            JsonNode evaluated = JSON.readTree(lines.get(i));
            assertThat(label.get("index").asInt()).isEqualTo(evaluated.get("index").asInt());
            assertThat(label.get("reliability").asDouble()).isEqualTo(evaluated.get("iou").asDouble());
        }
        JsonNode summary = JSON.readTree(reliability.resolve("summary.json").toFile());
        assertThat(summary.get("labels").asInt()).isEqualTo(lines.size());
        assertThat(reliability.resolve("histogram.png")).isRegularFile();
        CliRunner.Result again = CliRunner.run(measure);
        assertThat(again.exitCode()).isEqualTo(2);
        assertThat(again.err()).contains("exists").contains("--overwrite");

        Path grid = dir.resolve("grid.png");
        CliRunner.Result vis = CliRunner.run("visualize", "--checkpoint", out.resolve("best_checkpoint").toString(),
                "--data-root", data.toString(), "--split", "test", "--count", "4", "--worst", "--out",
                grid.toString());
        assertThat(vis.exitCode()).as(vis.err()).isZero();
        assertThat(ImageIO.read(grid.toFile()).getWidth()).isGreaterThan(400);

        CliRunner.Result empty = CliRunner.run("eval", "--checkpoint", out.resolve("best_checkpoint").toString(),
                "--data-root", dir.resolve("nowhere").toString());
        assertThat(empty.exitCode()).isEqualTo(2);
    }

    @Test
    void demoWritesEverythingItPromises() throws Exception {
        Path out = dir.resolve("demo");
        CliRunner.Result r = CliRunner.run("demo", "--out", out.toString(), "--images", "8", "--size", "96",
                "--minutes", "0.2", "--num-workers", "0");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("demo finished").contains("Pr@0.5");
        for (String f : List.of("data/splits/test.txt", "train/checkpoint", "train/best_checkpoint",
                "train/loss.png", "train/pretrain-vision.json", "metrics.json", "report.md", "predictions.jsonl",
                "grid.png")) {
            assertThat(out.resolve(f)).as(f).exists();
        }
        assertMetricsShape(JSON.readTree(out.resolve("metrics.json").toFile()));
    }

    @Test
    void benchPrintsItsFigures() throws Exception {
        CliRunner.Result r = CliRunner.run("bench", "--preset", "tiny", "--batch", "2", "--steps", "1", "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode b = JSON.readTree(r.out());
        for (String k : List.of("matmul_gflops", "infer_b1_samples_per_s", "infer_b8_samples_per_s",
                "train_b8_samples_per_s", "train_full_b8_samples_per_s", "gflop_per_sample_forward",
                "infer_b8_fraction_of_matmul", "multi_query_10_vs_1", "peak_rss_mb")) {
            assertThat(b.get(k)).as(k).isNotNull();
            assertThat(b.get(k).asDouble()).as(k).isPositive();
        }
        assertThat(b.get("preset").asText()).isEqualTo("tiny");
    }

    @Test
    void benchSceneGroundsASceneInItsWindows() throws Exception {
        CliRunner.Result r = CliRunner.run("bench", "--preset", "tiny", "--scene", "256", "--window", "128",
                "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode b = JSON.readTree(r.out());
        // 256 px in 128 px windows overlapping by at least a quarter: starts 0, 64, 128 on each axis
        assertThat(b.get("windows").asInt()).isEqualTo(9);
        for (int q : new int[] {1, 10}) {
            double seconds = b.get("scene_" + q + "q_s").asDouble();
            assertThat(seconds).isPositive();
            assertThat(b.get("windows_per_s_" + q + "q").asDouble()).isCloseTo(9 / seconds,
                    org.assertj.core.data.Percentage.withPercentage(1e-6));
            assertThat(b.get("s_per_megapixel_" + q + "q").asDouble()).isCloseTo(seconds / (256 * 256 / 1e6),
                    org.assertj.core.data.Percentage.withPercentage(1e-6));
        }
        CliRunner.Result small = CliRunner.run("bench", "--preset", "tiny", "--scene", "100", "--window", "128");
        assertThat(small.exitCode()).isEqualTo(2);
        assertThat(small.err()).contains("--scene must be at least --window");
    }

    /** The curriculum's stages: the measurer, then each threshold on the labels reaching it, resumable. */
    @Test
    void curriculumTrainsAMeasurerThenTheReliableLabelsAndResumes() throws Exception {
        Path out = dir.resolve("ssa");
        String[] args = {"train", "--data-root", data.toString(), "--out", out.toString(), "--preset", "tiny",
            "--imsize", "64", "--epochs", "1", "--batch-size", "8", "--num-workers", "0", "--curriculum", "ssa",
            "--curriculum-thresholds", "0.0001,0.99"};
        CliRunner.Result r = CliRunner.run(args);
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("curriculum: stage measurer").contains("curriculum finished");
        List<Double> reliability = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("measurer/reliability.jsonl"))) {
            reliability.add(JSON.readTree(line).get("reliability").asDouble());
        }
        int trainLabels = io.rsground.data.GroundingDataset.open(data, null).split("train").size();
        assertThat(reliability).hasSize(trainLabels);
        JsonNode state = JSON.readTree(out.resolve("curriculum.json").toFile());
        JsonNode stages = state.get("stages");
        assertThat(stages.get(0).get("name").asText()).isEqualTo("measurer");
        assertThat(stages.get(0).get("labels").asInt()).isEqualTo(trainLabels);
        // each later stage trained on exactly the labels whose reliability reaches its threshold
        for (int i = 1; i < stages.size(); i++) {
            double h = stages.get(i).get("threshold").asDouble();
            assertThat(stages.get(i).get("labels").asLong()).isEqualTo(reliability.stream().filter(v -> v >= h)
                    .count());
            assertThat(JSON.readTree(out.resolve(stages.get(i).get("name").asText()).resolve("train-config.json")
                    .toFile()).get("run").get("min_reliability").asDouble()).isEqualTo(h);
        }
        double best = -1;
        String chosen = null;
        for (JsonNode s : stages) { // the best search score; a tie goes to the later, more selective stage
            if (s.get("search_pr50").asDouble() >= best) {
                best = s.get("search_pr50").asDouble();
                chosen = s.get("name").asText();
            }
        }
        assertThat(state.get("chosen").asText()).isEqualTo(chosen);
        assertThat(out.resolve("curriculum.png")).isRegularFile();
        assertThat(out.resolve(chosen).resolve("best_checkpoint")).isDirectory();

        CliRunner.Result again = CliRunner.run(args); // every stage done: nothing trains again
        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(again.out()).contains("stage measurer is done").doesNotContain("epoch 1:");
    }

    /** Multi-source: each source's labels join the selection of the stage chosen before, scored by a measurer. */
    @Test
    void multiSourceCurriculumAccumulatesTheSourcesSelections() throws Exception {
        Path pseudo = dir.resolve("pseudo");
        CliRunner.Result p = CliRunner.run("pseudo", "--data-root", data.toString(), "--out", pseudo.toString());
        assertThat(p.exitCode()).as(p.err()).isZero();
        Map<Integer, String> sources = io.rsground.data.pseudo.PseudoSources.read(pseudo);
        Path out = dir.resolve("msa");
        CliRunner.Result r = CliRunner.run("train", "--data-root", pseudo.toString(), "--out", out.toString(),
                "--preset", "tiny", "--imsize", "64", "--epochs", "1", "--batch-size", "8", "--num-workers", "0",
                "--curriculum", "msa", "--curriculum-thresholds", "0,0.0001");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode state = JSON.readTree(out.resolve("curriculum.json").toFile());
        assertThat(state.get("kind").asText()).isEqualTo("msa");
        List<String> names = new java.util.ArrayList<>();
        state.get("stages").forEach(s -> names.add(s.get("name").asText()));
        assertThat(names.get(0)).isEqualTo("msa1-template-measurer");
        assertThat(names).contains("msa2-relation-measurer");
        // keeping every relation label is the same candidate whichever measurer scored them: trained once
        assertThat(names).contains("msa1-template-all", "msa2-relation-all")
                .doesNotContain("msa2-relation-own-h0", "msa2-relation-prev-h0");
        for (JsonNode s : state.get("stages")) {
            java.util.Set<Integer> kept = selection(out.resolve(s.get("name").asText() + ".selection.jsonl"));
            assertThat(s.get("labels").asInt()).as(s.get("name").asText()).isEqualTo(kept.size());
            String name = s.get("name").asText();
            if (name.endsWith("-measurer")) { // a measurer trains on its source's labels alone
                String source = name.split("-")[1];
                assertThat(kept).allSatisfy(i -> assertThat(sources.get(i)).isEqualTo(source));
            } else if (name.startsWith("msa2")) { // the second source's labels join the first's chosen selection
                String first = firstChosen(state);
                java.util.Set<Integer> firstChosen = first == null ? java.util.Set.of()
                        : selection(out.resolve(first + ".selection.jsonl"));
                assertThat(kept).containsAll(firstChosen);
                kept.stream().filter(i -> !firstChosen.contains(i))
                        .forEach(i -> assertThat(sources.get(i)).isEqualTo("relation"));
            }
        }
        assertThat(out.resolve(state.get("result").asText())).isDirectory();
    }

    private static java.util.Set<Integer> selection(Path file) throws Exception {
        java.util.Set<Integer> kept = new java.util.HashSet<>();
        for (String line : Files.readAllLines(file)) {
            JsonNode n = JSON.readTree(line);
            if (n.get("reliability").asDouble() >= 1) {
                kept.add(n.get("index").asInt());
            }
        }
        return kept;
    }

    /** @return the first source's best threshold stage, or null when none ran (then nothing joined) */
    private static String firstChosen(JsonNode state) {
        String best = null;
        double score = -1;
        for (JsonNode s : state.get("stages")) {
            String name = s.get("name").asText();
            if (name.startsWith("msa1-") && !name.endsWith("-measurer") && s.get("search_pr50").asDouble() >= score) {
                best = name;
                score = s.get("search_pr50").asDouble();
            }
        }
        return best;
    }
}
