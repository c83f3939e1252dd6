package io.rsground.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.rsground.data.Batch;
import io.rsground.model.ClipVgModel;
import io.rsground.model.Nn;
import io.rsground.util.TensorScope;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Copies of a model that compute the shards of one step side by side: a batch of B is cut into N contiguous shards,
 * each copy runs forward and backward on its own shard on a thread of its own with {@code cores / N} intra-op
 * threads, and the copies' gradients are summed into the model's in a fixed order before the optimizer steps.
 *
 * <p>Why: a small model's operations are too small for PyTorch to spread well over several cores (a step of the
 * demo's grounding stage reaches 70 % of two cores' worth of single-core speed), while independent shards on one
 * core each keep both busy. On two cores the grounding stage of the tiny preset runs about a third more samples per
 * second; a large model gains nothing, since its matrix products already fill the cores.
 *
 * <p>The copies hold no weights of their own: each of their parameters is a second autograd leaf on the storage of
 * the model's parameter (a detached alias), so the optimizer's in-place update reaches every copy and only the
 * gradients are separate. Each shard's loss is weighted by its share of the batch, so that the summed gradient is
 * that of the whole batch for every term that is a mean over samples (a term that averages over the batch's
 * patches weighs the shards' patches by their share of the samples instead). The sum runs in shard order and each
 * shard on one thread, so a run is as reproducible as with one copy. The forward pass must draw no random numbers
 * (no dropout): the copies would take them from one shared generator in whichever order the threads come.
 */
final class Replicas implements AutoCloseable {
    /** One copy: its model, its objective (auxiliary heads), their parameters by name, and its manager. */
    private record Copy(ClipVgModel model, TrainingObjective objective, Map<String, Parameter> parameters,
            NDManager manager) {
    }

    /**
     * What a shard's forward pass computes.
     */
    @FunctionalInterface
    interface ShardLoss {
        /**
         * @param model the copy's model
         * @param objective the copy's objective
         * @param scope manager for the shard's temporaries
         * @param shard the shard's samples
         * @param from the shard's first sample within the batch (to cut batch-wide inputs such as kept features)
         * @return the shard's loss, as a batch of its own
         */
        TrainingObjective.Loss compute(ClipVgModel model, TrainingObjective objective, NDManager scope, Batch shard,
                int from);
    }

    /** The summed loss of a step and its terms, each weighed by its shard's share of the batch. */
    record Result(double total, Map<String, Double> terms) {
    }

    private final List<Copy> copies = new ArrayList<>();
    private final Map<String, Parameter> trainable;
    /** For each copy beyond the first, per parameter name, the model's array its alias was made from. */
    private final List<Map<String, NDArray>> aliasedFrom = new ArrayList<>();
    private final ExecutorService threads;
    /** The intra-op threads of the thread that made the copies. */
    private final int callerThreads;

    /**
     * @param model the model being trained (the first copy)
     * @param objective its objective, already initialised
     * @param trainable the trained parameters of both, by name
     * @param count copies, at least 2
     * @param newObjective makes an objective of the same kind for another copy
     * @param manager parent manager of the copies
     */
    Replicas(ClipVgModel model, TrainingObjective objective, Map<String, Parameter> trainable, int count,
            Supplier<TrainingObjective> newObjective, NDManager manager) {
        if (count < 2) {
            throw new IllegalArgumentException("replicas need at least 2 copies, got " + count);
        }
        this.trainable = trainable;
        copies.add(new Copy(model, objective, allParameters(model, objective), manager));
        for (int i = 1; i < count; i++) {
            NDManager copyManager = manager.newSubManager();
            ClipVgModel copyModel = new ClipVgModel(model.config());
            copyModel.initializeParameters(copyManager);
            TrainingObjective copyObjective = newObjective.get();
            copyObjective.initialize(copyManager);
            Copy copy = new Copy(copyModel, copyObjective, allParameters(copyModel, copyObjective), copyManager);
            if (!copy.parameters().keySet().equals(copies.get(0).parameters().keySet())) {
                throw new IllegalStateException("a copy's parameters differ from the model's: "
                        + copy.parameters().keySet() + " vs " + copies.get(0).parameters().keySet());
            }
            copies.add(copy);
            aliasedFrom.add(new LinkedHashMap<>());
        }
        callerThreads = JniUtils.getNumThreads();
        int perCopy = Math.max(1, callerThreads / count);
        AtomicInteger made = new AtomicInteger();
        threads = Executors.newFixedThreadPool(count, task -> {
            Thread t = new Thread(() -> {
                // thread-local in PyTorch's OpenMP build: the caller's own operations keep their threads
                JniUtils.setNumThreads(perCopy);
                task.run();
            }, "rsground-replica-" + made.getAndIncrement());
            t.setDaemon(true);
            return t;
        });
        alias();
    }

    /** @return the number of copies, the model included */
    int count() {
        return copies.size();
    }

    private static Map<String, Parameter> allParameters(ClipVgModel model, TrainingObjective objective) {
        Map<String, Parameter> all = new LinkedHashMap<>(model.namedParameters());
        all.putAll(objective.parameters());
        return all;
    }

    /**
     * Points every copy's parameters at the model's current arrays (needed at the start and whenever the optimizer
     * has given the model's parameters new arrays, as it does when it groups them).
     */
    private void alias() {
        Map<String, Parameter> source = copies.get(0).parameters();
        for (int i = 1; i < copies.size(); i++) {
            Map<String, NDArray> from = aliasedFrom.get(i - 1);
            for (Map.Entry<String, Parameter> e : copies.get(i).parameters().entrySet()) {
                NDArray current = source.get(e.getKey()).getArray();
                if (from.get(e.getKey()) != current) {
                    bindAlias(e.getValue(), current, trainable.containsKey(e.getKey()));
                    from.put(e.getKey(), current);
                }
            }
        }
    }

    /** Makes the copy's parameter a new leaf on the storage of {@code source} (no data copied). */
    private static void bindAlias(Parameter p, NDArray source, boolean requiresGradient) {
        NDManager owner = p.getArray().getManager();
        NDArray alias = source.stopGradient();
        alias.attach(owner);
        NDScope.unregister(alias);
        p.close();
        p.setInitializer((m, s, t) -> alias);
        p.initialize(owner, DataType.FLOAT32);
        if (requiresGradient) {
            alias.setRequiresGradient(true);
        }
    }

    /**
     * Forward and backward on every shard, the gradients summed into the model's parameters.
     *
     * @param batch the whole batch
     * @param loss a shard's loss
     * @return the batch's loss and terms; with a non-finite loss every gradient is zeroed again and nothing is
     *     summed, and the result says so by its total
     */
    Result backward(Batch batch, ShardLoss loss) {
        alias();
        int n = copies.size();
        int b = batch.size();
        List<Future<Result>> running = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            int from = (int) ((long) b * k / n);
            int to = (int) ((long) b * (k + 1) / n);
            if (from == to) {
                continue;
            }
            Copy copy = copies.get(k);
            double weight = (double) (to - from) / b;
            running.add(threads.submit(() -> shard(copy, batch.slice(from, to), from, weight, loss)));
        }
        double total = 0;
        Map<String, Double> terms = new LinkedHashMap<>();
        try {
            for (Future<Result> f : running) {
                Result r = f.get();
                total += r.total();
                r.terms().forEach((name, v) -> terms.merge(name, v, Double::sum));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            zeroGradients();
            throw new IllegalStateException("interrupted while the replicas computed a step", e);
        } catch (ExecutionException e) {
            zeroGradients();
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        }
        if (!Double.isFinite(total)) {
            zeroGradients();
            return new Result(total, terms);
        }
        sumGradients();
        return new Result(total, terms);
    }

    private Result shard(Copy copy, Batch shard, int from, double weight, ShardLoss loss) {
        try (TensorScope scope = TensorScope.training(copy.manager())) {
            TrainingObjective.Loss l = loss.compute(copy.model(), copy.objective(), scope.manager(), shard, from);
            NDArray weighted = Nn.scale(l.total(), weight);
            double total = weighted.getFloat();
            Map<String, Double> terms = new LinkedHashMap<>();
            l.terms().forEach((name, v) -> terms.put(name, v * weight));
            if (Double.isFinite(total)) {
                // DJL allows one gradient collector per process; the engine's backward itself is per call
                JniUtils.backward((PtNDArray) weighted, (PtNDArray) weighted.onesLike(), false, false);
            }
            return new Result(total, terms);
        }
    }

    /** Adds every other copy's gradients to the model's, in copy order, and zeroes theirs. */
    private void sumGradients() {
        Map<String, Parameter> target = copies.get(0).parameters();
        try (TensorScope scope = TensorScope.noGrad()) {
            Map<Parameter, NDArray> sums = new IdentityHashMap<>();
            for (String name : trainable.keySet()) {
                Parameter p = target.get(name);
                if (p.getArray().hasGradient()) {
                    sums.put(p, p.getArray().getGradient());
                }
            }
            for (int i = 1; i < copies.size(); i++) {
                Map<String, Parameter> copy = copies.get(i).parameters();
                for (String name : trainable.keySet()) {
                    NDArray sum = sums.get(target.get(name));
                    NDArray own = copy.get(name).getArray();
                    if (sum != null && own.hasGradient()) {
                        sum.addi(own.getGradient());
                        JniUtils.zeroGrad((PtNDArray) own);
                    }
                }
            }
        }
    }

    /** Zeroes the gradients of every copy, the model's included. */
    private void zeroGradients() {
        for (Copy copy : copies) {
            for (String name : trainable.keySet()) {
                NDArray a = copy.parameters().get(name).getArray();
                if (a.hasGradient()) {
                    JniUtils.zeroGrad((PtNDArray) a);
                }
            }
        }
    }

    @Override
    public void close() {
        threads.shutdownNow();
        // the copies' threads also set the default that threads starting later begin with; give it back
        JniUtils.setNumThreads(callerThreads);
        for (int i = 1; i < copies.size(); i++) {
            copies.get(i).objective().close();
            copies.get(i).manager().close();
        }
    }
}
