package io.rsground.data;

import io.rsground.box.Box;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/**
 * Writes one annotation file in the DIOR-RSVG (VOC-style) layout {@link DiorRsvgDataset} reads: {@code folder},
 * {@code filename}, an optional {@code source/database}, {@code size}, then one {@code object} per call of
 * {@link #object}, indented by four spaces a level. Shared by the synthetic generator and the pseudo-labeller.
 */
public final class AnnotationWriter implements AutoCloseable {

    private final Path file;
    private final Writer out;
    private final XMLStreamWriter x;

    /**
     * Opens the file and writes everything before the objects.
     *
     * @param file the annotation file to write (replaced if it exists)
     * @param imageName the image's file name inside {@code JPEGImages}
     * @param width image width, pixels
     * @param height image height, pixels
     * @param database the text of {@code <source><database>}, or {@code null} to leave the element out
     * @throws IOException when the file cannot be written
     */
    public AnnotationWriter(Path file, String imageName, int width, int height, String database)
            throws IOException {
        this.file = file;
        this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        try {
            x = XMLOutputFactory.newFactory().createXMLStreamWriter(out);
            x.writeStartDocument("utf-8", "1.0");
            x.writeCharacters("\n");
            x.writeStartElement("annotation");
            leaf(1, "folder", "JPEGImages");
            leaf(1, "filename", imageName);
            if (database != null) {
                indent(1);
                x.writeStartElement("source");
                leaf(2, "database", database);
                indent(1);
                x.writeEndElement();
            }
            indent(1);
            x.writeStartElement("size");
            leaf(2, "width", Integer.toString(width));
            leaf(2, "height", Integer.toString(height));
            leaf(2, "depth", "3");
            indent(1);
            x.writeEndElement();
        } catch (XMLStreamException e) {
            out.close();
            throw failure(e);
        }
    }

    /**
     * Writes one {@code <object>}: {@code name}, the {@code afterName} elements, {@code bndbox}, {@code description},
     * the {@code afterDescription} elements (elements the DIOR-RSVG reader ignores, such as {@code pose} or
     * {@code source}).
     *
     * @param name the class name
     * @param afterName extra leaf elements after the name, tag to text, in map order
     * @param box the box, corner format {@code x1,y1,x2,y2} in pixels; whole numbers are written without decimals,
     *     others with two
     * @param description the referring expression
     * @param afterDescription extra leaf elements after the description, tag to text, in map order
     * @throws IOException when the file cannot be written
     */
    public void object(String name, Map<String, String> afterName, Box box, String description,
            Map<String, String> afterDescription) throws IOException {
        try {
            indent(1);
            x.writeStartElement("object");
            leaf(2, "name", name);
            for (Map.Entry<String, String> e : afterName.entrySet()) {
                leaf(2, e.getKey(), e.getValue());
            }
            indent(2);
            x.writeStartElement("bndbox");
            leaf(3, "xmin", number(box.x1()));
            leaf(3, "ymin", number(box.y1()));
            leaf(3, "xmax", number(box.x2()));
            leaf(3, "ymax", number(box.y2()));
            indent(2);
            x.writeEndElement();
            leaf(2, "description", description);
            for (Map.Entry<String, String> e : afterDescription.entrySet()) {
                leaf(2, e.getKey(), e.getValue());
            }
            indent(1);
            x.writeEndElement();
        } catch (XMLStreamException e) {
            throw failure(e);
        }
    }

    /** Ends the document and closes the file. */
    @Override
    public void close() throws IOException {
        try (Writer w = out) {
            x.writeCharacters("\n");
            x.writeEndElement();
            x.writeCharacters("\n");
            x.writeEndDocument();
            x.close();
        } catch (XMLStreamException e) {
            throw failure(e);
        }
    }

    private IOException failure(XMLStreamException e) {
        return new IOException("cannot write " + file + ": " + e.getMessage(), e);
    }

    private void leaf(int depth, String tag, String text) throws XMLStreamException {
        indent(depth);
        x.writeStartElement(tag);
        x.writeCharacters(text);
        x.writeEndElement();
    }

    private void indent(int depth) throws XMLStreamException {
        x.writeCharacters("\n" + "    ".repeat(depth));
    }

    /** @return a whole number without decimals, else two decimals */
    static String number(double v) {
        double r = Math.round(v * 100) / 100.0;
        return r == Math.rint(r) ? Long.toString((long) r) : String.format(Locale.ROOT, "%.2f", r);
    }
}
