package io.rsground.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.training.initializer.UniformInitializer;
import io.rsground.data.Batch;
import io.rsground.infer.TokenBatch;
import io.rsground.model.ClipVgModel;
import io.rsground.model.FusionEncoder;
import io.rsground.model.HostArrays;
import io.rsground.model.Nn;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The box loss plus four terms that tell a from-scratch fusion encoder where the referred object is, so that
 * [REG] learns to read it instead of settling on the mean box. All come from the target box alone
 * ({@link PatchTargets#referent coverage} of each patch by it), so they work on any data set.
 * <ul>
 *   <li><b>referent</b>: a linear head on the image-patch outputs of the second-to-last fusion layer (the last
 *       one when there is only one) predicts each patch's coverage, binary cross-entropy with logits, mean over the
 *       image's patches (padding left out). The patches learn to know whether the query names them.
 *   <li><b>attention</b>: {@code -log} of the share of [REG]'s attention in the last fusion layer that falls on the
 *       referred object's patches (coverage-weighted, mean over heads), mean over the batch. [REG] learns to look
 *       there; it reads the object's place and size from what it looks at.
 *   <li><b>readout</b>: the box loss of the boxes the model would give had [REG] looked, in the last fusion layer,
 *       at the referred object's patches alone (attention in proportion to their coverage, see {@link
 *       ClipVgModel#boxesAttending}). The values, the feed-forward and the box head learn to read a box off the
 *       object while the attention is still learning to find it; with the other two terms that is what the box
 *       head otherwise learns last.
 *   <li><b>match</b>: {@code -log} of the share of a softmax over the image's patches that falls on the referred
 *       object, the scores being the cosine similarity of the query's end token and each patch as they enter the
 *       fusion encoder (after {@code text_proj} and {@code ml_visu_proj}) times a learned scale ({@code
 *       aux.match.log_scale}, CLIP's temperature, starting at 10). A direct path from the words to the patches they
 *       name: the text tower and both projections learn what colours, classes and places the words mean without
 *       waiting for the fusion layers' attention to carry the gradient.
 * </ul>
 * Total: {@code box + referentWeight * referent + attentionWeight * attention + readoutWeight * readout +
 * matchWeight * match}. The referent head and the match scale are the objective's own ({@code aux.*}), trained with
 * the model and never exported with it: the model is unchanged.
 */
public final class ReferentObjective implements TrainingObjective {
    private static final double EPSILON = 1e-6;
    private final BoxObjective boxObjective;
    private final double referentWeight;
    private final double attentionWeight;
    private final double readoutWeight;
    private final double matchWeight;
    private final GroundingLoss boxLoss;
    private final int hidden;
    private final int layers;
    private final int patchSize;
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private Parameter headWeight;
    private Parameter headBias;
    private Parameter matchLogScale;

    /**
     * @param boxLoss the reference's L1 + GIoU
     * @param referentWeight weight of the per-patch referent term (0: off)
     * @param attentionWeight weight of the [REG] attention term (0: off)
     * @param readoutWeight weight of the readout term (0: off)
     * @param matchWeight weight of the match term (0: off)
     * @param hidden the fusion width H
     * @param layers the number of fusion layers
     * @param patchSize the image tower's patch side
     */
    public ReferentObjective(GroundingLoss boxLoss, double referentWeight, double attentionWeight,
            double readoutWeight, double matchWeight, int hidden, int layers, int patchSize) {
        if (!(referentWeight >= 0) || !(attentionWeight >= 0) || !(readoutWeight >= 0) || !(matchWeight >= 0)) {
            throw new IllegalArgumentException("auxiliary weights must be >= 0, got referent " + referentWeight
                    + ", attention " + attentionWeight + ", readout " + readoutWeight + ", match " + matchWeight);
        }
        this.readoutWeight = readoutWeight;
        this.matchWeight = matchWeight;
        this.boxLoss = boxLoss;
        this.boxObjective = new BoxObjective(boxLoss);
        this.referentWeight = referentWeight;
        this.attentionWeight = attentionWeight;
        this.hidden = hidden;
        this.layers = layers;
        this.patchSize = patchSize;
    }

    @Override
    public boolean needsFusedSequence() {
        return referentWeight > 0 && layers == 1;
    }

    @Override
    public void initialize(NDManager manager) {
        if (referentWeight > 0) {
            float bound = (float) (1 / Math.sqrt(hidden));
            headWeight = Parameter.builder().setName("aux.referent.weight").setType(Parameter.Type.WEIGHT)
                    .optShape(new Shape(1, hidden)).optInitializer(new UniformInitializer(bound)).build();
            headBias = Parameter.builder().setName("aux.referent.bias").setType(Parameter.Type.BIAS)
                    .optShape(new Shape(1)).optInitializer(new UniformInitializer(bound)).build();
            headWeight.initialize(manager, DataType.FLOAT32);
            headBias.initialize(manager, DataType.FLOAT32);
            parameters.put(headWeight.getName(), headWeight);
            parameters.put(headBias.getName(), headBias);
        }
        if (matchWeight > 0) {
            matchLogScale = Parameter.builder().setName("aux.match.log_scale").setType(Parameter.Type.WEIGHT)
                    .optShape(new Shape(1)).optInitializer(new ConstantInitializer((float) Math.log(10)))
                    .build();
            matchLogScale.initialize(manager, DataType.FLOAT32);
            parameters.put(matchLogScale.getName(), matchLogScale);
        }
    }

    @Override
    public Map<String, Parameter> parameters() {
        return parameters;
    }

    @Override
    public Loss compute(ClipVgModel model, ClipVgModel.Output out, NDArray targetBoxes, Batch batch) {
        Loss box = boxObjective.compute(model, out, targetBoxes, batch);
        if (referentWeight == 0 && attentionWeight == 0 && readoutWeight == 0 && matchWeight == 0) {
            return box;
        }
        Map<String, Double> terms = new LinkedHashMap<>(box.terms());
        NDArray total = box.total();
        int b = batch.size();
        int p = batch.patches();
        NDManager m = targetBoxes.getManager();
        float[] coverage = PatchTargets.referent(batch.boxes(), b, batch.imageSize(), patchSize); // [B, P]
        NDArray cover = HostArrays.create(m, coverage, new Shape(b, p));
        if (referentWeight > 0) {
            float[] valid = new float[b * p];
            double validCount = 0;
            for (int i = 0; i < valid.length; i++) {
                valid[i] = 1 - batch.patchMask()[i];
                validCount += valid[i];
            }
            FusionEncoder.Layers fusion = out.layers();
            List<NDArray> outputs = fusion.layerOutputs();
            NDArray layer = outputs.size() >= 2 ? outputs.get(outputs.size() - 2) : outputs.get(0);
            long length = layer.getShape().get(1);
            NDArray patches = layer.get(":, " + (length - p) + ":, :"); // [B, P, H]
            NDArray logits = Nn.linear(patches, headWeight.getArray(), headBias.getArray()).reshape(b, p);
            NDArray bce = Activation.softPlus(logits).sub(logits.mul(cover))
                    .mul(HostArrays.create(m, valid, new Shape(b, p)));
            NDArray referent = Nn.scale(bce.sum(), 1.0 / Math.max(1, validCount));
            terms.put("referent", (double) referent.getFloat());
            terms.put("referent_hit", hitRate(logits.argMax(1).toLongArray(), coverage, p));
            total = total.add(Nn.scale(referent, referentWeight));
        }
        if (attentionWeight > 0) {
            NDArray weights = out.layers().regAttention(); // [B, heads, Lk]
            long keys = weights.getShape().get(2);
            NDArray onPatches = weights.get(":, :, " + (keys - p) + ":"); // [B, heads, P]
            NDArray mass = onPatches.mul(cover.expandDims(1)).sum(new int[] {2}).mean(new int[] {1}); // [B]
            NDArray attention = meanNegativeLog(mass);
            terms.put("attention", (double) attention.getFloat());
            terms.put("attention_mass", (double) mass.mean().getFloat());
            total = total.add(Nn.scale(attention, attentionWeight));
        }
        if (readoutWeight > 0) {
            total = total.add(Nn.scale(readout(model, out, targetBoxes, batch, coverage, terms), readoutWeight));
        }
        if (matchWeight > 0) {
            total = total.add(Nn.scale(match(out, batch, cover, terms), matchWeight));
        }
        return new Loss(total, terms);
    }

    /** @return the mean over the batch of {@code -log(mass + epsilon)}, mass [B] */
    private static NDArray meanNegativeLog(NDArray mass) {
        return Nn.scale(Nn.scalar(mass, EPSILON).add(mass).log().sum(), -1.0 / mass.getShape().get(0));
    }

    /**
     * The match term: how much of a softmax over the patches, scored by their cosine similarity to the query's end
     * token at the fusion encoder's input, falls on the referred object.
     *
     * @param cover [B, P] each patch's coverage by the referred object
     * @return the scalar term
     */
    private NDArray match(ClipVgModel.Output out, Batch batch, NDArray cover, Map<String, Double> terms) {
        int b = batch.size();
        int p = batch.patches();
        int length = batch.tokenLength();
        NDArray inputs = out.inputs(); // [B, 1 + L + 1 + P, H]
        long positions = inputs.getShape().get(1);
        // the end token is the last non-padding one; with causal text attention it is the one that saw every word
        float[] endToken = new float[b * length]; // [B, L] one-hot
        for (int i = 0; i < b; i++) {
            int used = TokenBatch.usedLength(java.util.Arrays.copyOfRange(batch.tokens(), i * length,
                    (i + 1) * length));
            endToken[i * length + Math.max(0, used - 1)] = 1;
        }
        NDManager m = cover.getManager();
        NDArray text = inputs.get(":, 1:" + (1 + length) + ", :"); // [B, L, H]
        NDArray query = text.mul(HostArrays.create(m, endToken, new Shape(b, length)).expandDims(2))
                .sum(new int[] {1}); // [B, H]
        NDArray patches = inputs.get(":, " + (positions - p) + ":, :"); // [B, P, H]
        NDArray queryUnit = query.div(query.norm(new int[] {1}, true).add(Nn.scalar(query, EPSILON)));
        NDArray patchUnit = patches.div(patches.norm(new int[] {2}, true).add(Nn.scalar(patches, EPSILON)));
        NDArray scores = patchUnit.matMul(queryUnit.expandDims(2)).reshape(b, p) // [B, P] cosine
                .mul(matchLogScale.getArray().exp())
                .add(HostArrays.create(m, batch.patchMask(), new Shape(b, p)).mul(Nn.MASKED));
        NDArray mass = scores.softmax(1).mul(cover).sum(new int[] {1}); // [B]
        NDArray match = meanNegativeLog(mass);
        terms.put("match", (double) match.getFloat());
        terms.put("match_mass", (double) mass.mean().getFloat());
        return match;
    }

    /**
     * The readout term: the box loss of what the last fusion layer gives at [REG] when its attention is spread over
     * the referred object's patches in proportion to their coverage.
     *
     * @param coverage [B, P] each patch's coverage by the referred object
     * @return the scalar box loss (weighted L1 + GIoU)
     */
    private NDArray readout(ClipVgModel model, ClipVgModel.Output out, NDArray targetBoxes, Batch batch,
            float[] coverage, Map<String, Double> terms) {
        int b = batch.size();
        int p = batch.patches();
        long keys = out.layers().lastInput().getShape().get(1);
        float[] weights = new float[(int) (b * keys)]; // [B, Lk]: nothing on [REG], text and class token
        for (int i = 0; i < b; i++) {
            double sum = 0;
            for (int q = 0; q < p; q++) {
                sum += coverage[i * p + q];
            }
            for (int q = 0; sum > 0 && q < p; q++) {
                weights[(int) (i * keys + keys - p + q)] = (float) (coverage[i * p + q] / sum);
            }
        }
        NDArray read = model.boxesAttending(null, out, HostArrays.create(targetBoxes.getManager(), weights,
                new Shape(b, keys)), true); // [B, 4]
        GroundingLoss.Terms t = boxLoss.compute(read, targetBoxes);
        terms.put("readout_l1", (double) t.l1().getFloat());
        terms.put("readout_giou", (double) t.giou().getFloat());
        return t.total();
    }

    /** @return the share of samples whose highest-scoring patch lies on their referred object */
    private static double hitRate(long[] best, float[] coverage, int patches) {
        int hits = 0;
        for (int i = 0; i < best.length; i++) {
            if (coverage[i * patches + (int) best[i]] > 0) {
                hits++;
            }
        }
        return (double) hits / best.length;
    }
}
