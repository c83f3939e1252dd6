package io.rsground.scratch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.training.initializer.UniformInitializer;
import io.rsground.data.Batch;
import io.rsground.model.ClipVgModel;
import io.rsground.model.HostArrays;
import io.rsground.model.Nn;
import io.rsground.text.TokenRows;
import io.rsground.train.GroundingLoss;
import io.rsground.train.LossTerm;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Four terms that tell a from-scratch fusion encoder where the referred object is, so that [REG] learns to read it
 * instead of settling on the mean box. All come from the target box alone ({@link PatchTargets#referent coverage}
 * of each patch by it), so they work on any data set.
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
 *       object while the attention is still learning to find it.
 *   <li><b>match</b>: {@code -log} of the share of a softmax over the image's patches that falls on the referred
 *       object, the scores being the cosine similarity of the query's end token and each patch as they enter the
 *       fusion encoder (after {@code text_proj} and {@code ml_visu_proj}) times a learned scale ({@code
 *       aux.match.log_scale}, CLIP's temperature, starting at 10). A direct path from the words to the patches they
 *       name.
 * </ul>
 * The referent head and the match scale are the terms' own ({@code aux.*}), trained with the model and never
 * exported with it.
 */
final class ReferentTerms {
    private static final double EPSILON = 1e-6;

    private ReferentTerms() {
    }

    /** A term that reads the pass's intermediates and each patch's coverage by the referred object. */
    private abstract static class OnReferredObject implements LossTerm {
        final int patchSize;

        /** @param patchSize the image tower's patch side */
        OnReferredObject(int patchSize) {
            this.patchSize = patchSize;
        }

        @Override
        public ClipVgModel.Detail detail() {
            return ClipVgModel.Detail.INTERMEDIATES;
        }

        /** @return [B, P] row-major each patch's coverage by the sample's referred object */
        float[] coverage(Inputs in) {
            Batch batch = in.batch();
            return PatchTargets.referent(batch.boxes(), batch.size(), batch.imageSize(), patchSize);
        }

        /** @return [B, P] the same coverage as an array beside the pass's */
        NDArray cover(Inputs in) {
            return HostArrays.create(in.targetBoxes().getManager(), coverage(in), new Shape(in.batch().size(),
                    in.batch().patches()));
        }
    }

    /** @return the mean over the batch of {@code -log(mass + epsilon)}, mass [B] */
    private static NDArray meanNegativeLog(NDArray mass) {
        return Nn.scale(Nn.scalar(mass, EPSILON).add(mass).log().sum(), -1.0 / mass.getShape().get(0));
    }

    /** The per-patch referent term, with its linear head {@code aux.referent.*}. */
    static final class Referent extends OnReferredObject {
        private final int hidden;
        private final int layers;
        private Parameter headWeight;
        private Parameter headBias;

        /**
         * @param hidden the fusion width H
         * @param layers the number of fusion layers
         * @param patchSize the image tower's patch side
         */
        Referent(int hidden, int layers, int patchSize) {
            super(patchSize);
            this.hidden = hidden;
            this.layers = layers;
        }

        @Override
        public ClipVgModel.Detail detail() {
            // with one layer the patches it reads are the last layer's, which the pass must compute in full
            return layers == 1 ? ClipVgModel.Detail.INTERMEDIATES_FULL_SEQUENCE : ClipVgModel.Detail.INTERMEDIATES;
        }

        @Override
        public void initialize(NDManager manager) {
            float bound = (float) (1 / Math.sqrt(hidden));
            headWeight = Parameter.builder().setName("aux.referent.weight").setType(Parameter.Type.WEIGHT)
                    .optShape(new Shape(1, hidden)).optInitializer(new UniformInitializer(bound)).build();
            headBias = Parameter.builder().setName("aux.referent.bias").setType(Parameter.Type.BIAS)
                    .optShape(new Shape(1)).optInitializer(new UniformInitializer(bound)).build();
            headWeight.initialize(manager, DataType.FLOAT32);
            headBias.initialize(manager, DataType.FLOAT32);
        }

        @Override
        public Map<String, Parameter> parameters() {
            Map<String, Parameter> out = new java.util.LinkedHashMap<>();
            out.put(headWeight.getName(), headWeight);
            out.put(headBias.getName(), headBias);
            return out;
        }

        @Override
        public NDArray compute(Inputs in, Map<String, Double> log) {
            Batch batch = in.batch();
            int b = batch.size();
            int p = batch.patches();
            NDManager m = in.targetBoxes().getManager();
            float[] coverage = coverage(in);
            NDArray cover = HostArrays.create(m, coverage, new Shape(b, p));
            float[] valid = new float[b * p];
            double validCount = 0;
            for (int i = 0; i < valid.length; i++) {
                valid[i] = 1 - batch.patchMask()[i];
                validCount += valid[i];
            }
            List<NDArray> outputs = in.out().intermediates().layers().layerOutputs();
            NDArray layer = outputs.size() >= 2 ? outputs.get(outputs.size() - 2) : outputs.get(0);
            long length = layer.getShape().get(1);
            NDArray patches = layer.get(":, " + (length - p) + ":, :"); // [B, P, H]
            NDArray logits = Nn.linear(patches, headWeight.getArray(), headBias.getArray()).reshape(b, p);
            NDArray bce = Activation.softPlus(logits).sub(logits.mul(cover))
                    .mul(HostArrays.create(m, valid, new Shape(b, p)));
            NDArray term = Nn.scale(bce.sum(), 1.0 / Math.max(1, validCount));
            log.put("referent_hit", hitRate(logits.argMax(1).toLongArray(), coverage, p));
            return term;
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

    /** The [REG] attention term. */
    static final class Attention extends OnReferredObject {
        Attention(int patchSize) {
            super(patchSize);
        }

        @Override
        public NDArray compute(Inputs in, Map<String, Double> log) {
            int p = in.batch().patches();
            NDArray cover = cover(in);
            NDArray weights = in.out().intermediates().layers().regAttention(); // [B, heads, Lk]
            long keys = weights.getShape().get(2);
            NDArray onPatches = weights.get(":, :, " + (keys - p) + ":"); // [B, heads, P]
            NDArray mass = onPatches.mul(cover.expandDims(1)).sum(new int[] {2}).mean(new int[] {1}); // [B]
            NDArray term = meanNegativeLog(mass);
            log.put("attention_mass", (double) mass.mean().getFloat());
            return term;
        }
    }

    /**
     * The readout term: the box loss of what the last fusion layer gives at [REG] when its attention is spread
     * over the referred object's patches in proportion to their coverage.
     */
    static final class Readout extends OnReferredObject {
        private final GroundingLoss boxLoss;

        /**
         * @param boxLoss the box loss the readout is judged by (the run's L1 and GIoU weights)
         * @param patchSize the image tower's patch side
         */
        Readout(GroundingLoss boxLoss, int patchSize) {
            super(patchSize);
            this.boxLoss = boxLoss;
        }

        @Override
        public NDArray compute(Inputs in, Map<String, Double> log) {
            int b = in.batch().size();
            int p = in.batch().patches();
            float[] coverage = coverage(in);
            long keys = in.out().intermediates().layers().lastInput().getShape().get(1);
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
            NDArray read = in.model().boxesAttending(null, in.out(), HostArrays.create(
                    in.targetBoxes().getManager(), weights, new Shape(b, keys)), true); // [B, 4]
            GroundingLoss.Terms t = boxLoss.compute(read, in.targetBoxes());
            log.put("readout_l1", (double) t.l1().getFloat());
            log.put("readout_giou", (double) t.giou().getFloat());
            return t.total();
        }
    }

    /** The match term, with its learned scale {@code aux.match.log_scale}. */
    static final class Match extends OnReferredObject {
        private Parameter logScale;

        Match(int patchSize) {
            super(patchSize);
        }

        @Override
        public void initialize(NDManager manager) {
            logScale = Parameter.builder().setName("aux.match.log_scale").setType(Parameter.Type.WEIGHT)
                    .optShape(new Shape(1)).optInitializer(new ConstantInitializer((float) Math.log(10))).build();
            logScale.initialize(manager, DataType.FLOAT32);
        }

        @Override
        public Map<String, Parameter> parameters() {
            return Map.of(logScale.getName(), logScale);
        }

        @Override
        public NDArray compute(Inputs in, Map<String, Double> log) {
            Batch batch = in.batch();
            int b = batch.size();
            int p = batch.patches();
            NDManager m = in.targetBoxes().getManager();
            NDArray cover = cover(in);
            NDArray inputs = in.out().intermediates().inputs(); // [B, 1 + L + 1 + P, H]
            NDArray query = endTokens(inputs, batch); // [B, H]
            NDArray patches = inputs.get(":, " + (inputs.getShape().get(1) - p) + ":, :"); // [B, P, H]
            NDArray queryUnit = query.div(query.norm(new int[] {1}, true).add(Nn.scalar(query, EPSILON)));
            NDArray patchUnit = patches.div(patches.norm(new int[] {2}, true).add(Nn.scalar(patches, EPSILON)));
            NDArray scores = patchUnit.matMul(queryUnit.expandDims(2)).reshape(b, p) // [B, P] cosine
                    .mul(logScale.getArray().exp())
                    .add(HostArrays.create(m, batch.patchMask(), new Shape(b, p)).mul(Nn.MASKED));
            NDArray mass = scores.softmax(1).mul(cover).sum(new int[] {1}); // [B]
            NDArray term = meanNegativeLog(mass);
            log.put("match_mass", (double) mass.mean().getFloat());
            return term;
        }

        /**
         * @param inputs [B, 1 + L + 1 + P, H] the fusion encoder's input
         * @return [B, H] each query's end token, the last non-padding one: with causal text attention it is the one
         *     that saw every word
         */
        private static NDArray endTokens(NDArray inputs, Batch batch) {
            int b = batch.size();
            int length = batch.tokenLength();
            float[] endToken = new float[b * length]; // [B, L] one-hot
            for (int i = 0; i < b; i++) {
                int used = TokenRows.usedLength(Arrays.copyOfRange(batch.tokens(), i * length, (i + 1) * length));
                endToken[i * length + Math.max(0, used - 1)] = 1;
            }
            NDArray text = inputs.get(":, 1:" + (1 + length) + ", :"); // [B, L, H]
            return text.mul(HostArrays.create(inputs.getManager(), endToken, new Shape(b, length)).expandDims(2))
                    .sum(new int[] {1});
        }
    }
}
