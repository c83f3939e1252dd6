package io.rsground.eval;

import ai.djl.ndarray.NDManager;
import io.rsground.box.Box;
import io.rsground.config.ModelConfig;
import io.rsground.data.Batch;
import io.rsground.data.BatchLoader;
import io.rsground.data.Sample;
import io.rsground.data.SplitFingerprint;
import io.rsground.image.EvalTransform;
import io.rsground.image.PaddedGeometry;
import io.rsground.infer.BoxDecoder;
import io.rsground.infer.FeatureCache;
import io.rsground.infer.GroundingEngine;
import io.rsground.infer.ImageFeatures;
import io.rsground.infer.Predictions;
import io.rsground.model.ClipVgModel;
import io.rsground.text.Tokenizer;
import io.rsground.text.WordTokenizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.IntConsumer;

/** Runs a model over samples with the evaluation transform and measures it. */
public final class Evaluator {
    private Evaluator() {
    }

    /**
     * @param model the model
     * @param manager parent manager for temporaries
     * @param tokenizer the model's tokenizer
     * @param samples what to evaluate
     * @param split the split's name, for the report
     * @param batchSize samples per forward pass
     * @param workers loader threads
     * @param progress told the number of samples done after each batch (may be null)
     * @return the report
     */
    public static EvalReport evaluate(ClipVgModel model, NDManager manager, Tokenizer tokenizer,
            List<Sample> samples, String split, int batchSize, int workers, IntConsumer progress) {
        BatchLoader loader = loader(samples, model.config(), tokenizer, batchSize, workers).build();
        return evaluate(loader, samples, model.config().vision().imageSize(),
                batch -> Predictions.predict(model, manager, batch), split, progress);
    }

    /**
     * {@link #evaluate(ClipVgModel, NDManager, Tokenizer, List, String, int, int, IntConsumer)} with the image
     * tower's features of each image taken from a cache when kept there, and left there when computed: for models
     * that share one image tower (a curriculum's stages), so that an image runs through it once in all.
     *
     * @param cache features [1 + P, W * n] of this model's image tower by image path ({@code Sample.imageFile()}),
     *     computed with the evaluation transform (or one preparing images the same way); null to evaluate from the
     *     pixels, as {@code evaluate} does
     * @return the report
     */
    public static EvalReport evaluateSharingFeatures(ClipVgModel model, NDManager manager, Tokenizer tokenizer,
            List<Sample> samples, String split, int batchSize, int workers, FeatureCache cache) {
        if (cache == null) {
            return evaluate(model, manager, tokenizer, samples, split, batchSize, workers, null);
        }
        Map<Integer, String> imageOf = new HashMap<>();
        for (Sample s : samples) {
            imageOf.put(s.index(), s.imageFile().toString());
        }
        BatchLoader loader = loader(samples, model.config(), tokenizer, batchSize, workers)
                .optPixelsWanted(index -> !cache.holds(imageOf.get(index))).build();
        return evaluate(loader, samples, model.config().vision().imageSize(), batch -> Predictions.predict(model,
                manager, batch, (scope, b) -> ImageFeatures.ofBatch(model, scope, b, imageOf::get, cache)),
                split, null);
    }

    /**
     * Evaluates through a grounding engine's batch predictor (DJL or ONNX Runtime), with its tokenizer.
     *
     * @param engine the model on its engine
     * @param samples what to evaluate
     * @param split the split's name, for the report
     * @param batchSize samples per forward pass
     * @param workers loader threads
     * @param progress told the number of samples done after each batch (may be null)
     * @return the report
     */
    public static EvalReport evaluate(GroundingEngine engine, List<Sample> samples, String split, int batchSize,
            int workers, IntConsumer progress) {
        BatchLoader loader = loader(samples, engine.config(), engine.tokenizer(), batchSize, workers).build();
        return evaluate(loader, samples, engine.config().vision().imageSize(), engine::predict, split, progress);
    }

    /**
     * @param samples what to visit, in order
     * @param config the model's configuration (input size, patch size, query length)
     * @param tokenizer the model's tokenizer
     * @param batchSize samples per batch
     * @param workers loader threads
     * @return a builder of batches prepared with the evaluation transform, not shuffled
     */
    public static BatchLoader.Builder loader(List<Sample> samples, ModelConfig config, Tokenizer tokenizer,
            int batchSize, int workers) {
        return BatchLoader.builder(samples, new EvalTransform(config.vision().imageSize()), tokenizer)
                .setBatchSize(batchSize).setPatchSize(config.vision().patchSize())
                .setMaxQueryLength(config.maxQueryLen()).optWorkers(workers).optShuffle(false);
    }

    /**
     * Evaluates with a loader and a predictor of the caller's (validation during training keeps both across
     * epochs, and predicts from kept image features).
     *
     * @param loader batches of the samples, prepared with the evaluation transform, not shuffled
     * @param samples the samples the loader visits
     * @param imageSize the model's input side
     * @param predictor the boxes (and scores) of a batch
     * @param split the split's name, for the report
     * @param progress told the number of samples done after each batch (may be null)
     * @return the report
     */
    public static EvalReport evaluate(BatchLoader loader, List<Sample> samples, int imageSize,
            Function<Batch, Predictions.Predicted> predictor, String split, IntConsumer progress) {
        Map<Integer, Sample> byIndex = new HashMap<>();
        for (Sample s : samples) {
            byIndex.put(s.index(), s);
        }
        List<Prediction> predictions = new ArrayList<>(samples.size());
        try (BatchLoader.Epoch epoch = loader.epoch(0)) {
            while (epoch.hasNext()) {
                Batch batch = epoch.next();
                Predictions.Predicted predicted = predictor.apply(batch);
                for (int i = 0; i < batch.size(); i++) {
                    Sample s = byIndex.get(batch.sampleIndices()[i]);
                    predictions.add(toPrediction(s, imageSize, predicted, i));
                }
                if (progress != null) {
                    progress.accept(predictions.size());
                }
            }
        }
        return new EvalReport(split, SplitFingerprint.of(samples), predictions);
    }

    /** Maps the i-th predicted box of a batch into both spaces, beside the sample's truth. */
    static Prediction toPrediction(Sample s, int size, Predictions.Predicted predicted, int i) {
        PaddedGeometry g = PaddedGeometry.centred(s.imageWidth(), s.imageHeight(), size);
        BoxDecoder.Decoded d = BoxDecoder.decode(predicted.boxes(), i, g);
        Box truthNorm = Box.fromCxcywh(g.toNormalizedCxcywh(s.box()));
        return new Prediction(s.index(), s.imageFile().getFileName().toString(), s.className(), s.query(),
                WordTokenizer.words(s.query()).size(), s.box(), d.pixels(), truthNorm, d.normalized(),
                d.cxcywhNorm(), predicted.score(i));
    }
}
