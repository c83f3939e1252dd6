package io.rsground.spark;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import io.rsground.infer.Grounder;
import io.rsground.infer.ImageFeatureFiles;
import io.rsground.infer.ModelLoader;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models of one executor JVM: each {@link ModelSpec} is loaded the first time a task asks for it and then
 * shared by every task the JVM runs, concurrent ones included ({@link Grounder} is thread-safe). Tasks therefore
 * pay the load once per executor, not once per partition, and the weights are read from the spec's paths, never
 * shipped from the driver. Models stay until the JVM ends.
 */
final class ExecutorModels {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorModels.class);
    /** Images whose features a grounder keeps: one image's queries past one call's worth reuse them. */
    static final int FEATURE_CACHE = 4;

    private static final Map<ModelSpec, Grounder> MODELS = new HashMap<>();
    private static final Map<ModelSpec, String> VISION_FINGERPRINTS = new HashMap<>();

    private ExecutorModels() {
    }

    /**
     * @param spec the model
     * @param conf the job's Hadoop configuration, for specs that name remote files
     * @return the JVM's grounder for the spec, loaded on first use
     * @throws LoadFailure when the model cannot be loaded (the task fails: no row could be answered)
     */
    static Grounder get(ModelSpec spec, HadoopConf conf) {
        synchronized (MODELS) {
            Grounder grounder = MODELS.get(spec);
            if (grounder == null) {
                grounder = load(spec, conf);
                MODELS.put(spec, grounder);
            }
            return grounder;
        }
    }

    /**
     * Gives the calling task thread its share of PyTorch threads. The setting is per thread in PyTorch's OpenMP
     * build, so each task sets it on the thread that runs the model; a task's share is its CPUs, so that the
     * executor's concurrent tasks together use its cores without oversubscribing them.
     *
     * @param spec the model, whose {@code threads} wins when set
     * @param taskCpus the CPUs Spark gives each task ({@code spark.task.cpus})
     * @return the threads set
     */
    static int useThreads(ModelSpec spec, int taskCpus) {
        int threads = threadsFor(spec, taskCpus);
        JniUtils.setNumThreads(threads);
        return threads;
    }

    /** @return the spec's threads when set, else the task's CPUs (at least 1) */
    static int threadsFor(ModelSpec spec, int taskCpus) {
        return spec.threads() > 0 ? spec.threads() : Math.max(1, taskCpus);
    }

    private static Grounder load(ModelSpec spec, HadoopConf conf) {
        Engine.getInstance();
        try {
            ModelLoader.Request request = spec.request(new LocalFiles(conf.get()));
            Grounder grounder = new Grounder(ModelLoader.load(request), FEATURE_CACHE);
            LOG.info("rsground: loaded {} ({})", spec.weights(), grounder.loaded().architecture());
            return grounder;
        } catch (IOException | RuntimeException e) {
            throw new LoadFailure("cannot load the model: " + e.getMessage(), e); // the loader names the file
        }
    }

    /**
     * @return the SHA-256, in hex, over the image tower's parameters (names in order, then float32 values): two
     *     feature files with the same fingerprint came from the same image tower
     */
    static String visionFingerprint(ModelSpec spec, Grounder grounder) {
        synchronized (VISION_FINGERPRINTS) {
            return VISION_FINGERPRINTS.computeIfAbsent(spec, s -> ImageFeatureFiles.visionSha256(grounder.loaded().model()));
        }
    }

    /** The model of a spec could not be loaded: missing files, an invalid config, weights that do not fit. */
    static final class LoadFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        LoadFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
