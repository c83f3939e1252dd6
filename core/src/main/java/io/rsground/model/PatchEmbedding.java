package io.rsground.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.initializer.Initializer;
import io.rsground.config.VisionConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * How the image tower turns pixels into one token per patch: CLIP's linear projection of each patch ({@code
 * conv1}, the reference's), or a convolutional stem ({@code conv_stem.*}, for towers trained from scratch). The
 * tower's config picks one ({@link VisionConfig#convStem}); the parameters are the tower's own, under the names
 * the reference uses.
 */
interface PatchEmbedding {

    /** Declares one of the tower's parameters. */
    @FunctionalInterface
    interface Params {
        Parameter add(String name, Initializer initializer, long... shape);
    }

    /** Reads a parameter's value for the pass at hand. */
    @FunctionalInterface
    interface Values {
        NDArray of(Parameter p);
    }

    /**
     * @param pixels [B, 3, S, S] normalised images
     * @param values the parameters' values
     * @return [B, P, W] one token per patch in row-major order
     */
    NDArray tokens(NDArray pixels, Values values);

    /** @return the embedding the config asks for, its parameters declared through {@code params} */
    static PatchEmbedding of(VisionConfig config, Params params) {
        return config.convStem().isEmpty() ? new Projection(config, params) : new Stem(config, params);
    }

    /** CLIP's patch projection: a stride-p convolution without bias, a linear map of each flattened patch. */
    final class Projection implements PatchEmbedding {
        private final VisionConfig config;
        private final Parameter weight;

        Projection(VisionConfig config, Params params) {
            this.config = config;
            long p = config.patchSize();
            weight = params.add("conv1.weight", TorchInit.linearDefault(3 * p * p), config.width(), 3, p, p);
        }

        @Override
        public NDArray tokens(NDArray pixels, Values values) {
            long b = pixels.getShape().get(0);
            long g = config.gridSize();
            long p = config.patchSize();
            // [B, 3, G, p, G, p] -> [B, G, G, 3, p, p] -> [B, P, 3*p*p]
            NDArray patches = pixels.reshape(b, 3, g, p, g, p).transpose(0, 2, 4, 1, 3, 5)
                    .reshape(b, g * g, 3 * p * p);
            return Nn.linear(patches, values.of(weight).reshape(config.width(), 3 * p * p), null);
        }
    }

    /**
     * The convolutional stem: 3x3 stride-2 convolutions (padding 1) with GELU, then a linear map of each position to
     * the token width. Its receptive fields overlap the patch borders, where a box's edges often lie.
     */
    final class Stem implements PatchEmbedding {
        private final VisionConfig config;
        private final List<Parameter> weights = new ArrayList<>();
        private final List<Parameter> biases = new ArrayList<>();
        /** [W, C] the last channels to the token width. */
        private final Parameter projection;

        Stem(VisionConfig config, Params params) {
            this.config = config;
            long in = 3;
            for (int i = 0; i < config.convStem().size(); i++) {
                long out = config.convStem().get(i);
                // He initialisation: each convolution is followed by a GELU and no norm until ln_pre
                weights.add(params.add("conv_stem." + i + ".weight", TorchInit.normal(Math.sqrt(2.0 / (9 * in))),
                        out, in, 3, 3));
                biases.add(params.add("conv_stem." + i + ".bias", TorchInit.zeros(), out));
                in = out;
            }
            projection = params.add("conv_stem.proj.weight", TorchInit.linearDefault(in), config.width(), in);
        }

        @Override
        public NDArray tokens(NDArray pixels, Values values) {
            long b = pixels.getShape().get(0);
            long g = config.gridSize();
            Shape stride = new Shape(2, 2);
            Shape padding = new Shape(1, 1);
            NDArray x = pixels;
            for (int i = 0; i < weights.size(); i++) {
                x = Conv2d.conv2d(x, values.of(weights.get(i)), values.of(biases.get(i)), stride, padding)
                        .singletonOrThrow();
                x = Activation.gelu(x);
            }
            long channels = x.getShape().get(1);
            // [B, C, G, G] -> [B, P, C]
            NDArray positions = x.reshape(b, channels, g * g).transpose(0, 2, 1);
            return Nn.linear(positions, values.of(projection), null);
        }
    }
}
