package io.rsground.scratch;

import io.rsground.train.GroundingLoss;
import io.rsground.train.Objectives;
import io.rsground.train.Recipes;
import io.rsground.train.Stages;
import io.rsground.train.TrainingPlugin;

/**
 * Plugs the from-scratch wing into training: the referent, attention, readout and match terms, and the vision
 * pre-training stage. Found through {@code META-INF/services}; nothing in the core names this package.
 */
public final class ScratchPlugin implements TrainingPlugin {
    /**
     * The demo's recipe: stage 1 teaches the {@code tiny-scratch} image tower (a convolutional stem, GELU) the
     * scenes' objects from dense per-patch targets for a fixed number of steps; stage 2 freezes it, keeps its
     * features once per image, and trains a one-layer text tower, the fusion encoder and the box head on the box
     * loss (L1 10, GIoU 4) with the referent, attention, readout and match terms, batches of 64 as two shards on two
     * model copies. Fixed in steps and epochs, so the same seed gives the same numbers on any machine; every choice
     * is measured in docs/experiments.md.
     */
    public static final String DEMO_RECIPE = "/io/rsground/scratch/demo.json";

    @Override
    public void register() {
        Objectives.registerTerm("referent", c -> new ReferentTerms.Referent(c.model().fusion().hiddenDim(),
                c.model().fusion().layers(), c.model().vision().patchSize()));
        Objectives.registerTerm("attention", c -> new ReferentTerms.Attention(c.model().vision().patchSize()));
        Objectives.registerTerm("readout", c -> new ReferentTerms.Readout(new GroundingLoss(c.weight("l1"),
                c.weight("giou")), c.model().vision().patchSize()));
        Objectives.registerTerm("match", c -> new ReferentTerms.Match(c.model().vision().patchSize()));
        Stages.register(VisionPretrainingStage.NAME, VisionPretrainingStage::new);
        Recipes.register("referent", "/io/rsground/scratch/referent.json");
        Recipes.register("demo", DEMO_RECIPE);
    }
}
