package io.rsground.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import io.rsground.data.Batch;
import io.rsground.infer.FeatureCache;
import io.rsground.infer.MappedImageFeatures;
import io.rsground.infer.ImageFeatures;
import io.rsground.infer.Predictions;
import io.rsground.model.ClipVgModel;
import io.rsground.model.HostArrays;
import io.rsground.util.TensorScope;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.function.IntPredicate;
import java.util.function.Supplier;

/**
 * One optimisation step at a time on a {@link ClipVgModel}: forward in train mode, the grounding loss, backward,
 * an optional global-norm clip, and a torch-exact optimizer update with per-group learning rates (the CLIP towers
 * may have their own rate, as the reference intended and never applied).
 */
public final class Trainer implements AutoCloseable {
    private final ClipVgModel model;
    private final NDManager manager;
    private final Map<String, Parameter> trainable = new LinkedHashMap<>();
    private final TorchOptimizer optimizer;
    private final TrainingObjective objective;
    private final double lr;
    private final double lrClip;
    private final double clipMaxNorm;
    private int epoch;
    private long iteration;
    private FeatureCache visualCache;
    private IntFunction<String> imageOfSample;
    private Replicas replicas;

    /**
     * What a step measured.
     *
     * @param loss the total that was minimised
     * @param terms the objective's named terms ("l1", "giou", auxiliary ones)
     * @param gradNorm global gradient norm before clipping
     */
    public record StepResult(double loss, Map<String, Double> terms, double gradNorm) {
        /** @return a term, or NaN when the objective has no such term */
        public double term(String name) {
            return terms.getOrDefault(name, Double.NaN);
        }
    }

    /**
     * @param model an initialised model
     * @param manager parent manager for optimizer state and step temporaries
     * @param policy which parameters to train (the rest are frozen)
     * @param optimizerKind update rule
     * @param lr base learning rate of the fusion part (and of everything when lrClip &lt; 0)
     * @param lrClip base learning rate of the CLIP towers' trainable parameters; negative means "same as lr"
     * @param weightDecay weight decay
     * @param clipMaxNorm global gradient-norm limit, 0 for none
     * @param objective what to minimise; its own parameters are initialised here and trained at rate lr
     */
    public Trainer(ClipVgModel model, NDManager manager, TrainablePolicy policy, OptimizerKind optimizerKind,
            double lr, double lrClip, double weightDecay, double clipMaxNorm, TrainingObjective objective) {
        this.model = model;
        this.manager = manager;
        this.objective = objective;
        this.lr = lr;
        this.lrClip = lrClip < 0 ? lr : lrClip;
        this.clipMaxNorm = clipMaxNorm;
        model.namedParameters().forEach((name, p) -> {
            boolean train = policy.trains(name);
            p.freeze(!train);
            if (train) {
                trainable.put(name, p);
            }
        });
        objective.initialize(manager);
        objective.parameters().forEach((name, p) -> {
            if (trainable.put(name, p) != null) {
                throw new IllegalArgumentException("objective parameter '" + name + "' clashes with a model one");
            }
        });
        this.optimizer = new TorchOptimizer(optimizerKind, weightDecay, manager);
    }

    /** @return the trained parameters by name */
    public Map<String, Parameter> trainable() {
        return trainable;
    }

    /**
     * Computes the frozen image tower's output once per image from now on (kept in a {@link FeatureCache}). Only
     * valid when no image-tower parameter trains and every image is prepared the same way at every use (no
     * augmentation): the boxes and gradients are then exactly those of the uncached step.
     *
     * @param imageOfSample a stable key of the image of a sample, by global sample index
     * @param maxBytes the most feature memory to keep
     * @throws IllegalStateException when an image-tower parameter is trained
     */
    public void cacheVisualFeatures(IntFunction<String> imageOfSample, long maxBytes) {
        cacheVisualFeatures(imageOfSample, FeatureCache.firstUpTo(maxBytes));
    }

    /**
     * {@link #cacheVisualFeatures(IntFunction, long)} into a cache of the caller's, which may already hold features
     * of this tower under the same keys (computed by another trainer with the same frozen tower).
     *
     * @param imageOfSample a stable key of the image of a sample, by global sample index
     * @param cache features [1 + P, W * n] by image key
     * @throws IllegalStateException when an image-tower parameter is trained
     */
    public void cacheVisualFeatures(IntFunction<String> imageOfSample, FeatureCache cache) {
        for (String name : trainable.keySet()) {
            if (ClipVgModel.isVisionParameter(name)) {
                throw new IllegalStateException("image features cannot be cached while " + name + " trains");
            }
        }
        this.imageOfSample = imageOfSample;
        visualCache = cache;
    }

    /**
     * @return whether a sample (by global index) still needs its pixels: always without a cache, and until its
     *     image's features are kept with one (for {@code BatchLoader.Builder.optPixelsWanted}; safe to ask from
     *     loader threads)
     */
    public IntPredicate pixelsWanted() {
        FeatureCache cache = visualCache;
        IntFunction<String> keys = imageOfSample;
        return cache == null ? index -> true : index -> !cache.holds(keys.apply(index));
    }

    /**
     * Computes and keeps the image features of a batch's images ahead of training, so that the first epoch neither
     * waits for the tower nor decodes images on the loader threads while the steps run.
     *
     * @param batch images prepared as the training steps will prepare them
     * @throws IllegalStateException without a cache
     */
    public void precomputeVisualFeatures(Batch batch) {
        if (visualCache == null) {
            throw new IllegalStateException("no image feature cache: call cacheVisualFeatures first");
        }
        try (TensorScope scope = TensorScope.inference(manager)) {
            keptFeatures(scope.manager(), batch);
        }
    }

    /**
     * Reads features computed elsewhere (the {@code spark features} job) from their mapped files at every use, as if
     * this trainer had computed and kept them; they never enter the heap cache.
     *
     * @param files features [1 + P, W * n] of the frozen image tower, keyed as {@link #cacheVisualFeatures}'s
     *     function keys the images' samples
     * @throws IllegalStateException without a cache
     */
    public void readVisualFeaturesFrom(MappedImageFeatures files) {
        if (visualCache == null) {
            throw new IllegalStateException("no image feature cache: call cacheVisualFeatures first");
        }
        visualCache.readFrom(files);
    }

    /** @return images whose features the heap cache holds, 0 without a cache (those read from files not counted) */
    public int cachedImages() {
        return visualCache == null ? 0 : visualCache.size();
    }

    /** @return the optimizer (its state goes into checkpoints) */
    public TorchOptimizer optimizer() {
        return optimizer;
    }

    /** @return the base learning rate of a parameter */
    public double baseLearningRate(String name) {
        return ClipVgModel.isClipParameter(name) ? lrClip : lr;
    }

    /** Sets where the run stands (for messages and resumed runs). */
    public void position(int epoch, long iteration) {
        this.epoch = epoch;
        this.iteration = iteration;
    }

    /**
     * One optimisation step.
     *
     * @param batch the samples
     * @param lrFactor the schedule's factor of the base rates for this step
     * @return the losses and gradient norm
     * @throws DivergenceException when the loss is not finite; the parameters are left as they were
     */
    public StepResult step(Batch batch, double lrFactor) {
        if (replicas != null) {
            return replicatedStep(batch, lrFactor);
        }
        try (TensorScope scope = TensorScope.training(manager)) {
            TrainingObjective.Loss loss;
            double total;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray visual = visualCache == null ? null : keptFeatures(scope.manager(), batch);
                loss = shardLoss(model, objective, scope.manager(), batch, visual);
                total = loss.total().getFloat();
                if (!Double.isFinite(total)) {
                    throw divergence(total);
                }
                collector.backward(loss.total());
            }
            double norm = optimizer.step(trainable, name -> baseLearningRate(name) * lrFactor, clipMaxNorm);
            iteration++;
            return new StepResult(total, loss.terms(), norm);
        }
    }

    /** @return [B, 1 + P, W * n] the batch's image features, from the cache where kept, without gradients */
    private NDArray keptFeatures(NDManager scope, Batch batch) {
        try (TensorScope off = TensorScope.gradientsOff()) {
            return ImageFeatures.ofBatch(model, scope, batch, imageOfSample, visualCache);
        }
    }

    /**
     * The loss of a batch (or a shard of one) on a model: from the pixels, or from the kept image features.
     *
     * @param visual [B, 1 + P, W * n] the batch's kept image features, or null to run the image tower
     */
    private static TrainingObjective.Loss shardLoss(ClipVgModel model, TrainingObjective objective, NDManager scope,
            Batch batch, NDArray visual) {
        NDArray patchMask = HostArrays.create(scope, batch.patchMask(), new Shape(batch.size(), batch.patches()));
        NDArray tokens = HostArrays.create(scope, batch.tokens(), new Shape(batch.size(), batch.tokenLength()));
        NDArray target = HostArrays.create(scope, batch.boxes(), new Shape(batch.size(), 4));
        ClipVgModel.Output out;
        if (visual == null) {
            NDArray pixels = HostArrays.create(scope, batch.pixels(), new Shape(batch.size(), 3,
                    batch.imageSize(), batch.imageSize()));
            out = model.forward(null, pixels, patchMask, tokens, true, objective.detail());
        } else {
            NDArray text = model.encodeText(null, tokens, true);
            out = model.fuse(null, visual, patchMask, text, tokens, true, objective.detail());
        }
        return objective.compute(model, out, target, batch);
    }

    /** {@link #step} with the batch cut into shards that the replicas compute side by side. */
    private StepResult replicatedStep(Batch batch, double lrFactor) {
        try (TensorScope scope = TensorScope.training(manager)) {
            NDArray visual = visualCache == null ? null : keptFeatures(scope.manager(), batch);
            Replicas.Result r = replicas.backward(batch, (copyModel, copyObjective, shardScope, shard, from) ->
                    shardLoss(copyModel, copyObjective, shardScope, shard,
                            visual == null ? null : visual.get(from + ":" + (from + shard.size()))));
            if (!Double.isFinite(r.total())) {
                throw divergence(r.total());
            }
            double norm = optimizer.step(trainable, name -> baseLearningRate(name) * lrFactor, clipMaxNorm);
            iteration++;
            return new StepResult(r.total(), r.terms(), norm);
        }
    }

    private DivergenceException divergence(double total) {
        return new DivergenceException(epoch, iteration, "the loss became " + total + " at epoch " + (epoch + 1)
                + ", iteration " + iteration + ": lower --lr (now " + lr + "), set --clip-max-norm (e.g. 0.1) or add "
                + "--warmup-epochs; the last good checkpoint is kept");
    }

    /** @return what each step minimises */
    public TrainingObjective objective() {
        return objective;
    }

    /**
     * Predicts boxes for a batch without recording gradients, from the kept image features when there is a cache
     * (its images' features are then kept as well).
     *
     * @return the batch's boxes (and scores)
     */
    public Predictions.Predicted predict(Batch batch) {
        return visualCache == null ? Predictions.predict(model, manager, batch)
                : Predictions.predict(model, manager, batch, this::keptFeatures);
    }

    /**
     * Computes each step from here on in {@code count} shards side by side, on copies of the model that share its
     * weights (see {@link Replicas}): for small models, whose operations are too small to spread over the cores.
     * The forward pass must draw no random numbers (no dropout).
     *
     * @param count copies, the model included; 1 leaves the step as it is
     * @param newObjective makes an objective like this trainer's for each further copy
     */
    public void useReplicas(int count, Supplier<TrainingObjective> newObjective) {
        if (replicas != null) {
            throw new IllegalStateException("replicas are already in use");
        }
        if (count > 1) {
            replicas = new Replicas(model, objective, trainable, count, newObjective, manager);
        }
    }

    /** @return the copies that compute each step, the model included (1 without replicas) */
    public int replicaCount() {
        return replicas == null ? 1 : replicas.count();
    }

    @Override
    public void close() {
        if (replicas != null) {
            replicas.close();
        }
        optimizer.close();
        objective.close();
    }
}
