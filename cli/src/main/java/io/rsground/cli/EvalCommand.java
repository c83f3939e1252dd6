package io.rsground.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code rsground eval}: the field's metrics on a split. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Evaluate a model on a split: Pr@0.5..0.9, meanIoU and cumIoU in original pixels (primary) and "
                + "in the padded normalised square (as CLIP-VG reports), per class and by query length. A model with "
                + "a presence head is also asked as many absent-referent queries: AUROC, accuracy and a reliability "
                + "diagram (presence.json, reliability.png beside --metrics, --report or --predictions).",
        footer = {"  ./rsground eval --weights runs/a/best_checkpoint --data-root DIOR-RSVG \\",
            "      --split test --metrics m.json --report r.md",
            "  ./rsground eval --weights model.pth --preset vit-b-16 \\",
            "      --data-root DIOR-RSVG --split val --json"})
final class EvalCommand implements Callable<Integer> {
    /** Value of a bare {@code --json}: the metrics go to stdout. */
    private static final String STDOUT = "-";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.ArgGroup(exclusive = false, multiplicity = "1")
    DataSplitOptions data;

    @CommandLine.Mixin
    ModelOptions model;
    @CommandLine.Mixin
    EngineOptions engine;

    @Option(names = "--json", arity = "0..1", fallbackValue = STDOUT, paramLabel = "FILE", description = "print the "
            + "metrics as one JSON object on stdout instead of the Markdown report, as predict --json does; "
            + "--json FILE writes them to FILE, as --metrics FILE")
    String json;
    @Option(names = "--metrics", paramLabel = "FILE", description = "write the metrics as JSON (the --json shape)")
    Path metrics;
    @Option(names = "--predictions", paramLabel = "FILE.jsonl", description = "write one line per sample")
    Path predictions;
    @Option(names = "--report", paramLabel = "FILE.md", description = "write a Markdown report") Path report;
    @Option(names = {"--batch-size", "--batch_size"}, defaultValue = "32", description = "samples per model call")
    int batchSize;
    @Option(names = {"--num-workers", "--num_workers"}, defaultValue = "2", description = "image-loading threads")
    int workers;

    /** @return the metrics file asked for by --metrics FILE or --json FILE, or null */
    private Path metricsFile() {
        boolean jsonFile = json != null && !json.equals(STDOUT);
        if (jsonFile && metrics != null) {
            throw new Errors.BadInputException("give the metrics file once: --metrics " + metrics + " or --json "
                    + json);
        }
        return jsonFile ? Path.of(json) : metrics;
    }

    /** @return where presence.json and reliability.png go: beside the first file asked for, or nowhere */
    private Path presenceDir() {
        for (Path p : new Path[] {metricsFile(), report, predictions}) {
            if (p != null) {
                return p.toAbsolutePath().getParent();
            }
        }
        return null;
    }

    @Override
    public Integer call() throws Exception {
        Path metricsFile = metricsFile();
        Evaluation.Result r = data.evaluate(model, engine, batchSize, workers);
        r.write(metricsFile, predictions, report, presenceDir());
        if (STDOUT.equals(json)) {
            ObjectNode all = r.report().toJson();
            if (r.presence() != null) {
                all.set("presence", r.presence().toJson());
            }
            spec.commandLine().getOut().println(ResultJson.MAPPER.writeValueAsString(all));
        } else {
            spec.commandLine().getOut().println(r.toMarkdown());
        }
        return Errors.OK;
    }
}
