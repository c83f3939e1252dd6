package io.rsground.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rsground.config.ConfigException;
import io.rsground.config.TrainConfig;
import io.rsground.data.Sample;
import io.rsground.model.ClipVgModel;
import io.rsground.text.Tokenizer;
import io.rsground.weights.HostTensor;
import io.rsground.weights.RsgroundCheckpoint;
import io.rsground.weights.SafeTensors;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A run's files: resumable checkpoints (model, tokenizer, optimizer state, {@link RunState}, settings), written
 * atomically, and the epoch log {@code log.jsonl}.
 */
public final class RunCheckpoints {
    /** The last epoch's checkpoint, the one to resume. */
    public static final String LAST = "checkpoint";
    /** The checkpoint of the best validation Pr@0.5. */
    public static final String BEST = "best_checkpoint";
    static final String STATE = "training-state.json";
    static final String OPTIMIZER = "optimizer.safetensors";
    static final String LOG = "log.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Logger LOGGER = LoggerFactory.getLogger(RunCheckpoints.class);

    private final Path out;
    private final TrainConfig config;
    private final int trainingScale;

    /**
     * @param out the run's output folder
     * @param config the run's settings, saved with every checkpoint
     * @param trainingScale the typical side of the training images in pixels ({@link #trainingScale(List)})
     */
    RunCheckpoints(Path out, TrainConfig config, int trainingScale) {
        this.out = out;
        this.config = config;
        this.trainingScale = trainingScale;
    }

    /**
     * @param train the training samples
     * @return the median over them of their image's longer side, in pixels: the scale the model learns objects at,
     *     recorded in every checkpoint so that grounding in larger scenes cuts windows of that side
     */
    static int trainingScale(List<Sample> train) {
        int[] sides = train.stream().mapToInt(s -> Math.max(s.imageWidth(), s.imageHeight())).sorted().toArray();
        if (sides.length == 0) {
            throw new IllegalArgumentException("no training samples to take the scale of");
        }
        return sides[sides.length / 2];
    }

    /**
     * Refuses to start a new run in a folder that already holds files, so that an earlier run's checkpoints and log
     * are never replaced unasked.
     *
     * @param out the run's output folder (absent or empty is fine)
     * @throws ConfigException naming the folder, what it holds and the ways on
     */
    static void requireNewRunFolder(Path out) throws IOException {
        if (!Files.exists(out)) {
            return;
        }
        if (!Files.isDirectory(out)) {
            throw new ConfigException("the output folder " + out + " is a file");
        }
        List<String> held;
        try (Stream<Path> entries = Files.list(out)) {
            held = entries.map(p -> p.getFileName() + (Files.isDirectory(p) ? "/" : "")).sorted().toList();
        }
        if (held.isEmpty()) {
            return;
        }
        String what = String.join(", ", held.subList(0, Math.min(4, held.size()))) + (held.size() > 4 ? ", ..." : "");
        String resume = Files.isDirectory(out.resolve(LAST)) ? "continue it with --resume " + out.resolve(LAST) + ", "
                : "";
        throw new ConfigException("the output folder " + out + " holds an earlier run (" + what + "): " + resume
                + "give a new --out, or add --overwrite to replace it");
    }

    /**
     * Puts a run's folder in order before it starts: a checkpoint that a killed run had moved aside
     * ({@code checkpoint.old}) while writing its replacement is moved back, and unfinished temporary checkpoints
     * ({@code checkpoint.tmp-*}) are deleted.
     */
    static void tidy(Path out) throws IOException {
        for (String which : List.of(LAST, BEST)) {
            RsgroundCheckpoint.recover(out.resolve(which));
        }
    }

    /**
     * Writes a resumable checkpoint.
     *
     * @param which {@link #LAST} or {@link #BEST}
     * @param state where the run stands
     * @param log the epoch just finished, or null
     */
    void save(String which, ClipVgModel model, Tokenizer tokenizer, TorchOptimizer optimizer, RunState state,
            EpochLog log) throws IOException {
        Map<String, HostTensor> weights = new LinkedHashMap<>();
        model.namedParameters().forEach((name, p) -> weights.put(name, HostTensor.ofFloats(
                p.getArray().getShape().getShape(), p.getArray().toFloatArray())));
        Map<String, Object> info = RsgroundCheckpoint.info();
        info.put("epoch", state.epoch());
        info.put("recipe", config.recipe().name());
        info.put(RsgroundCheckpoint.TRAINING_SCALE, trainingScale);
        if (config.model().preset() != null) {
            info.put("preset", config.model().preset());
        }
        if (log != null && log.val() != null) {
            info.put("val", log.val());
        }
        Map<String, HostTensor> optimizerState = optimizer.exportState();
        RsgroundCheckpoint.write(out.resolve(which), model.config(), tokenizer, weights, info, tmp -> {
            SafeTensors.write(tmp.resolve(OPTIMIZER), optimizerState, Map.of("steps",
                    Long.toString(optimizer.steps())));
            Files.writeString(tmp.resolve(STATE), JSON.writeValueAsString(state) + "\n");
            Files.writeString(tmp.resolve("train-config.json"), config.toJson() + "\n");
        });
    }

    /**
     * @param dir a checkpoint directory
     * @return where its run stood
     * @throws IOException when it holds no training state (a model checkpoint, not a resumable one)
     */
    static RunState readState(Path dir) throws IOException {
        Path file = dir.resolve(STATE);
        if (!Files.exists(file)) {
            throw new IOException(dir + " holds no training state (" + STATE + "): it is a model checkpoint, not a "
                    + "resumable one; use --retrain to start from its weights");
        }
        RunState state;
        try {
            if (!(JSON.readTree(file.toFile()) instanceof ObjectNode tree)) {
                throw new IOException(file + ": expected a JSON object");
            }
            // checkpoints written before stages were named record the one stage there was as a flag
            if (!tree.has("stages_done") && tree.path("vision_pretrained").asBoolean(false)) {
                ArrayNode done = tree.putArray("stages_done");
                done.add("vision_pretraining");
            }
            state = JSON.treeToValue(tree, RunState.class);
        } catch (JsonProcessingException e) {
            throw new IOException(file + ": not a training state (" + e.getOriginalMessage() + ")", e);
        }
        checkState(file, state);
        return state;
    }

    /** Refuses a training state no run could have written, before it steers a resumed run. */
    private static void checkState(Path file, RunState s) throws IOException {
        String wrong = s.epoch() < 0 ? "'epoch' is " + s.epoch() + "; expected an integer >= 0"
                : s.batchesDone() < 0 ? "'batches_done' is " + s.batchesDone() + "; expected an integer >= 0"
                : s.iteration() < 0 ? "'iteration' is " + s.iteration() + "; expected an integer >= 0"
                : s.plannedEpochs() < 0 ? "'planned_epochs' is " + s.plannedEpochs() + "; expected an integer >= 0"
                : !Double.isNaN(s.bestPr50()) && !(s.bestPr50() >= 0 && s.bestPr50() <= 1)
                        ? "'best_pr50' is " + s.bestPr50() + "; expected NaN or a value in [0, 1]"
                : null;
        if (wrong == null && s.policy() != null
                && Arrays.stream(TrainablePolicy.values()).noneMatch(p -> p.name().equals(s.policy()))) {
            wrong = "'policy' is \"" + s.policy() + "\"; expected one of " + Arrays.toString(TrainablePolicy.values());
        }
        if (wrong != null) {
            throw new IOException(file + ": " + wrong);
        }
    }

    /** @return the optimizer state saved in a checkpoint, empty when there is none */
    static Map<String, HostTensor> readOptimizer(Path dir) throws IOException {
        return Files.exists(dir.resolve(OPTIMIZER)) ? SafeTensors.read(dir.resolve(OPTIMIZER)) : Map.of();
    }

    /** Appends an epoch to {@code log.jsonl}. */
    void appendLog(EpochLog log) throws IOException {
        Path file = out.resolve(LOG);
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            w.write(new ObjectMapper().writeValueAsString(log));
            w.newLine();
        } catch (FileSystemException e) {
            throw e;
        } catch (IOException e) {
            // a full disk says only "No space left on device"
            throw new IOException("cannot append to " + file + ": " + e.getMessage(), e);
        }
    }

    /** Starts a new log (a run that does not resume). */
    void clearLog() throws IOException {
        Files.deleteIfExists(out.resolve(LOG));
    }

    /**
     * Reads the log of the epochs a resumed run already completed, dropping any line past them and a last line
     * cut off by a crash.
     *
     * @throws IOException naming the file and line when a complete line is not an epoch record
     */
    List<EpochLog> readLog(int epochsCompleted) throws IOException {
        Path file = out.resolve(LOG);
        List<EpochLog> logs = new ArrayList<>();
        if (Files.exists(file)) {
            ObjectMapper m = new ObjectMapper();
            String text = Files.readString(file);
            List<String> lines = text.lines().toList();
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).isBlank()) {
                    continue;
                }
                try {
                    EpochLog e = m.readValue(lines.get(i), EpochLog.class);
                    if (e.epoch() <= epochsCompleted) {
                        logs.add(e);
                    }
                } catch (JsonProcessingException e) {
                    if (i < lines.size() - 1 || text.endsWith("\n")) {
                        throw new IOException(file + ": line " + (i + 1) + " is not an epoch record ("
                                + e.getOriginalMessage() + ")", e);
                    }
                    // a last line without its newline was cut by a crash while being appended; rewritten below
                    LOGGER.warn("{}: line {} was cut off while being written and is dropped", file, i + 1);
                }
            }
            StringBuilder sb = new StringBuilder();
            for (EpochLog e : logs) {
                sb.append(m.writeValueAsString(e)).append('\n');
            }
            Files.writeString(file, sb.toString());
        }
        return logs;
    }
}
