package io.rsground.data;

import static org.assertj.core.api.Assertions.assertThat;

import io.rsground.box.Box;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@link AnnotationWriter} writes, the DIOR-RSVG reader reads back; the extra elements it ignores. */
class AnnotationWriterTest {

    @TempDir
    Path dir;

    @Test
    void writtenObjectsReadBackWithTheirBoxesAndExtraElementsIgnored() throws IOException {
        Path file = dir.resolve("a.xml");
        try (AnnotationWriter w = new AnnotationWriter(file, "a.png", 640, 480, null)) {
            w.object("storagetank", Map.of(), new Box(10, 20, 30, 40), "the white storage tank",
                    Map.of("source", "template"));
            w.object("ship", Map.of("difficult", "1"), new Box(1.25, 2.5, 100.125, 3.75), "the ship & <boat>",
                    Map.of());
        }
        String xml = Files.readString(file);
        assertThat(xml).contains("<xmin>10</xmin>").contains("<xmin>1.25</xmin>").contains("<xmax>100.13</xmax>")
                .contains("<source>template</source>").doesNotContain("<database>");
        AnnotationFile a = AnnotationReader.read(file, "a.xml");
        assertThat(a.problems()).isEmpty();
        assertThat(a.filename()).isEqualTo("a.png");
        assertThat(a.width()).isEqualTo(640);
        assertThat(a.height()).isEqualTo(480);
        assertThat(a.objects()).hasSize(2);
        assertThat(a.objects().get(0).name()).isEqualTo("storagetank");
        assertThat(a.objects().get(0).box()).isEqualTo(new Box(10, 20, 30, 40));
        assertThat(a.objects().get(0).description()).isEqualTo("the white storage tank");
        assertThat(a.objects().get(0).problems()).isEmpty();
        assertThat(a.objects().get(1).box()).isEqualTo(new Box(1.25, 2.5, 100.13, 3.75));
        assertThat(a.objects().get(1).description()).isEqualTo("the ship & <boat>");
    }
}
