package io.rsground.cli;

import io.rsground.data.AbsentQueries;
import io.rsground.data.Sample;
import io.rsground.data.synth.SceneObjects;
import io.rsground.eval.EvalReport;
import io.rsground.eval.Evaluator;
import io.rsground.eval.PresenceReport;
import io.rsground.infer.Grounder;
import io.rsground.infer.GroundingEngine;
import io.rsground.infer.ModelLoader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** A model evaluated on samples with a progress bar, for {@code eval}, {@code visualize} and {@code demo}. */
final class Evaluation {
    /** Seed of the absent-referent queries, so that every evaluation of a split asks the same ones. */
    static final long ABSENT_SEED = 20261206L;

    private Evaluation() {
    }

    /**
     * A model's figures on a split.
     *
     * @param report boxes on the split's own queries
     * @param presence how the presence score separates those from as many absent-referent queries, or null when
     *     the model has no presence head (or the split's images know too few objects to draw any)
     */
    record Result(EvalReport report, PresenceReport presence) {
        /** Writes the report's files, and {@code presence.json} and {@code reliability.png} beside the metrics. */
        void write(Path json, Path predictions, Path markdown, Path presenceDir) throws IOException {
            report.write(json, predictions, markdown);
            if (presence != null && presenceDir != null) {
                presence.writeJson(presenceDir.resolve("presence.json"));
                presence.writeDiagram(presenceDir.resolve("reliability.png"));
            }
        }

        /** @return the Markdown report, with the presence section when there is one */
        String toMarkdown() {
            return report.toMarkdown() + (presence == null ? "" : "\n" + presence.toMarkdown());
        }
    }

    /** As {@link #run(GroundingEngine, List, String, int, int, Path, List)} with the model on the DJL engine. */
    static Result run(ModelLoader.Request request, List<Sample> samples, String split, int batchSize, int workers,
            Path dataRoot, List<Sample> allSamples) throws Exception {
        try (GroundingEngine engine = new Grounder(ModelLoader.load(request), 0)) {
            return run(engine, samples, split, batchSize, workers, dataRoot, allSamples);
        }
    }

    /**
     * @param engine the model on its engine (DJL or ONNX Runtime); the caller closes it
     * @param samples what to evaluate
     * @param split the split's name, for the report
     * @param dataRoot the data set's folder, where a model with a presence head finds what each image holds
     * @param allSamples every annotated object of the data set
     * @return the report, and the presence figures for a model with a presence head
     */
    static Result run(GroundingEngine engine, List<Sample> samples, String split, int batchSize, int workers,
            Path dataRoot, List<Sample> allSamples) throws Exception {
        EvalReport report;
        try (Progress progress = new Progress("eval " + split, samples.size(), "samples")) {
            report = Evaluator.evaluate(engine, samples, split, batchSize, workers,
                    done -> progress.progress(done, samples.size()));
        }
        if (!engine.hasPresenceHead()) {
            return new Result(report, null);
        }
        List<Sample> twins = new AbsentQueries(samples, SceneObjects.knownObjects(dataRoot, allSamples))
                .twins(samples, ABSENT_SEED);
        if (twins.isEmpty()) {
            return new Result(report, null);
        }
        EvalReport absent;
        try (Progress progress = new Progress("absent queries", twins.size(), "samples")) {
            absent = Evaluator.evaluate(engine, twins, split + "-absent", batchSize, workers,
                    done -> progress.progress(done, twins.size()));
        }
        return new Result(report, PresenceReport.of(report.predictions(), absent.predictions()));
    }
}
