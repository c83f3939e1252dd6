package io.rsground.spark;

import io.rsground.infer.ModelLoader;
import java.io.Serializable;
import java.util.Objects;

/**
 * Which model to ground with, as executors will load it: paths, not tensors. A spec is small and serialisable, so
 * it travels inside the job's closures; the weights never pass through the driver. Each executor JVM loads the
 * model once per distinct spec (see {@link ExecutorModels}), so every path must be readable from every executor:
 * a local path present on each node (or a shared mount), or a Hadoop file system URI ({@code hdfs://},
 * {@code s3a://}, ...) that executors copy to a local folder once.
 *
 * @param weights an rsground checkpoint directory, a CLIP-VG {@code .pth}, or a {@code .safetensors} file
 * @param modelConfig a model-config JSON for raw weight files, or null
 * @param preset an architecture preset for raw weight files ({@code vit-b-16}, ..., {@code tiny}), or null
 * @param bpe the CLIP BPE vocabulary, or null to take the checkpoint's or the one beside the weights
 * @param threads PyTorch threads per task, or 0 to take the task's CPUs ({@code spark.task.cpus})
 */
public record ModelSpec(String weights, String modelConfig, String preset, String bpe, int threads)
        implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Checks what can be checked without reading any file. */
    public ModelSpec {
        Objects.requireNonNull(weights, "weights");
        if (weights.isBlank()) {
            throw new IllegalArgumentException("model spec: weights path is empty");
        }
        if (modelConfig != null && preset != null) {
            throw new IllegalArgumentException("model spec: give either a model config or a preset, not both");
        }
        if (threads < 0) {
            throw new IllegalArgumentException("model spec: threads must be 0 (the task's CPUs) or more, got "
                    + threads);
        }
    }

    /** @return a spec for an rsground checkpoint directory, which carries its architecture and vocabulary */
    public static ModelSpec of(String weights) {
        return new ModelSpec(weights, null, null, null, 0);
    }

    /** @return this spec with the architecture taken from a model-config JSON */
    public ModelSpec withModelConfig(String path) {
        return new ModelSpec(weights, path, null, bpe, threads);
    }

    /** @return this spec with the architecture taken from a preset */
    public ModelSpec withPreset(String name) {
        return new ModelSpec(weights, null, name, bpe, threads);
    }

    /** @return this spec with a CLIP BPE vocabulary */
    public ModelSpec withBpe(String path) {
        return new ModelSpec(weights, modelConfig, preset, path, threads);
    }

    /** @return this spec with a fixed number of PyTorch threads per task */
    public ModelSpec withThreads(int count) {
        return new ModelSpec(weights, modelConfig, preset, bpe, count);
    }

    /**
     * @param files turns each path of the spec into a local file
     * @return the loader's request, strict (a weights file that does not fit the architecture fails)
     */
    ModelLoader.Request request(LocalFiles files) throws java.io.IOException {
        return new ModelLoader.Request(files.local(weights), modelConfig == null ? null : files.local(modelConfig),
                preset, bpe == null ? null : files.local(bpe), true);
    }
}
