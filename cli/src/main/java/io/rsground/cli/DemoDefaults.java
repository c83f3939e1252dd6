package io.rsground.cli;

import io.rsground.config.TrainConfig;

/** The demo's defaults: the recipe that trains a from-scratch tiny CLIP-VG in minutes on two cores. */
final class DemoDefaults {
    static final double MINUTES = 8;
    static final int IMAGES = 1200;
    static final int SCENE_SIZE = 256;
    static final String PRESET = "tiny";
    static final double ZOOM = 2.0;
    static final double CROWDING = 0.4;

    private DemoDefaults() {
    }

    static TrainConfig trainConfig(String root, String splits, String out, String preset, double minutes, long seed,
            int workers) {
        return TrainConfig.defaults(root, out).with("splits_dir", splits).with("preset", preset)
                .with("recipe", "reference").with("epochs", 60).with("batch_size", 32).with("lr", 5e-4)
                .with("warmup_epochs", 1.0).with("aug_crop", false).with("aug_scale", false)
                .with("aug_translate", false).with("seed", seed).with("num_workers", workers)
                .with("time_budget_minutes", minutes).with("log_every", 20);
    }
}
