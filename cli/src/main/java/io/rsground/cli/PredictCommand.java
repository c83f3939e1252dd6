package io.rsground.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rsground.image.BoxPainter;
import io.rsground.image.Images;
import io.rsground.infer.Grounder;
import io.rsground.infer.GroundingResult;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code rsground predict}: boxes for queries on an image. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Ground one or more queries in an image: prints each box in original image pixels.")
final class PredictCommand implements Callable<Integer> {
    static final ObjectMapper JSON = new ObjectMapper();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ModelOptions model;

    @Option(names = "--image", required = true, paramLabel = "FILE", description = "JPEG, PNG or TIFF image")
    Path image;

    @Option(names = "--query", required = true, paramLabel = "TEXT",
            description = "a referring expression; repeat for several")
    List<String> queries = new ArrayList<>();

    @Option(names = "--json", description = "print one JSON line per query and nothing else on stdout")
    boolean json;

    @Option(names = "--out", paramLabel = "PNG", description = "write the image with the boxes and queries drawn")
    Path out;

    @Override
    public Integer call() throws Exception {
        for (int i = 0; i < queries.size(); i++) {
            if (queries.get(i).isBlank()) {
                throw new Errors.BadInputException("query " + (i + 1) + " is empty");
            }
        }
        BufferedImage picture = Images.read(image);
        List<GroundingResult> results;
        try (Grounder grounder = new Grounder(model.load(), 1)) {
            results = grounder.ground(picture, queries);
        }
        PrintWriter stdout = spec.commandLine().getOut();
        for (GroundingResult r : results) {
            if (json) {
                stdout.println(JSON.writeValueAsString(toJson(r)));
            } else {
                double[] b = r.boxXyxy();
                stdout.printf(Locale.ROOT, "%s -> box [%.1f, %.1f, %.1f, %.1f] (x1, y1, x2, y2 px of %dx%d)%n",
                        r.query(), b[0], b[1], b[2], b[3], r.imageWidth(), r.imageHeight());
            }
        }
        stdout.flush();
        if (out != null) {
            List<BoxPainter.Labelled> boxes = new ArrayList<>();
            for (int i = 0; i < results.size(); i++) {
                boxes.add(new BoxPainter.Labelled(results.get(i).box(), results.get(i).query(),
                        BoxPainter.PALETTE.get(i % BoxPainter.PALETTE.size())));
            }
            String name = out.getFileName().toString().toLowerCase(Locale.ROOT);
            String format = name.endsWith(".jpg") || name.endsWith(".jpeg") ? "jpg" : "png";
            if (!ImageIO.write(BoxPainter.draw(picture, boxes), format, out.toFile())) {
                throw new Errors.BadInputException("cannot write " + out);
            }
            if (!json) {
                stdout.println("wrote " + out);
            }
        }
        return Errors.OK;
    }

    /** @return {"query", "box_xyxy", "box_cxcywh_norm"} */
    static ObjectNode toJson(GroundingResult r) {
        ObjectNode node = JSON.createObjectNode();
        node.put("query", r.query());
        var xyxy = node.putArray("box_xyxy");
        for (double v : r.boxXyxy()) {
            xyxy.add(v);
        }
        var norm = node.putArray("box_cxcywh_norm");
        for (double v : r.cxcywhNorm()) {
            norm.add(v);
        }
        return node;
    }
}
