package io.rsground.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * The presence head: an MLP hidden-hidden-1 with ReLU between on the fusion encoder's [REG] output, giving the logit
 * of "the referred object is in this image". It reads the same vector the box head reads, so the score is about the
 * box the model gives, and costs two small matrix products per query.
 */
public final class PresenceHead extends NamedBlock {
    private final Parameter[] weights = new Parameter[2];
    private final Parameter[] biases = new Parameter[2];

    public PresenceHead(int hidden) {
        long[] out = {hidden, 1};
        long in = hidden;
        for (int i = 0; i < 2; i++) {
            weights[i] = param("layers." + i + ".weight", TorchInit.linearDefault(in), out[i], in);
            biases[i] = param("layers." + i + ".bias", TorchInit.linearDefault(in), out[i]);
            in = out[i];
        }
    }

    /**
     * @param reg [B, H] the fusion encoder's output at [REG]
     * @return [B] logits; {@code sigmoid} of one is the probability that the referred object is present
     */
    public NDArray forward(ParameterStore ps, NDArray reg, boolean training) {
        NDArray hidden = Activation.relu(Nn.linear(reg, value(ps, weights[0], training), value(ps, biases[0],
                training)));
        NDArray logit = Nn.linear(hidden, value(ps, weights[1], training), value(ps, biases[1], training));
        return logit.reshape(-1);
    }
}
