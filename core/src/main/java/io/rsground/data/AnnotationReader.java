package io.rsground.data;

import io.rsground.box.Box;
import io.rsground.data.AnnotationFile.AnnotatedObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import javax.xml.XMLConstants;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.parsers.SAXParser;
import javax.xml.parsers.SAXParserFactory;
import org.xml.sax.Attributes;
import org.xml.sax.InputSource;
import org.xml.sax.Locator;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;
import org.xml.sax.helpers.DefaultHandler;

/**
 * Reads one DIOR-RSVG (VOC-style) annotation file with a SAX parser that refuses DOCTYPE declarations, so no
 * external entity or DTD is ever fetched or expanded. Elements are found by tag name and nesting below the root
 * element: {@code filename}, {@code size/width}, {@code size/height}, {@code object/name}, {@code object/bndbox}
 * (with {@code xmin ymin xmax ymax}) and {@code object/description}; everything else is ignored. Problems carry
 * the line of the element concerned. Detection data (VOC files without descriptions) is read with
 * {@link #readDetections}.
 */
public final class AnnotationReader {

    /** Annotation files larger than this are refused before parsing: DIOR-RSVG files are a few KB. */
    static final long MAX_XML_BYTES = 16L << 20;

    private static final Pattern DECIMAL = Pattern.compile("[-+]?(\\d+(\\.\\d*)?|\\.\\d+)");
    private static final String[] CORNERS = {"xmin", "ymin", "xmax", "ymax"};

    private static final SAXParserFactory FACTORY = secureFactory();

    private AnnotationReader() {
    }

    private static SAXParserFactory secureFactory() {
        try {
            SAXParserFactory f = SAXParserFactory.newInstance();
            f.setNamespaceAware(false);
            f.setValidating(false);
            f.setXIncludeAware(false);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            // A DOCTYPE is the only door to entities and DTDs; DIOR-RSVG files have none, so refuse it outright.
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature("http://xml.org/sax/features/external-general-entities", false);
            f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            return f;
        } catch (ParserConfigurationException | SAXException e) {
            throw new IllegalStateException("the JDK XML parser does not support secure processing", e);
        }
    }

    private static SAXParser newParser() {
        try {
            SAXParser parser = FACTORY.newSAXParser();
            parser.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            parser.setProperty(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            return parser;
        } catch (ParserConfigurationException | SAXException e) {
            throw new IllegalStateException("cannot configure the JDK XML parser", e);
        }
    }

    /**
     * Reads one annotation file. Never throws for bad content: every problem, including malformed XML and
     * unreadable files, is returned in the result; objects completed before a parse error are kept.
     *
     * @param xmlFile the file to read
     * @param displayName how problems name the file
     * @return what the file says, with its problems
     */
    static AnnotationFile read(Path xmlFile, String displayName) {
        return read(xmlFile, displayName, true);
    }

    /**
     * Reads one Pascal VOC annotation file as detection labels: as {@link #read}, except that an object without
     * {@code <description>} is no problem.
     *
     * @param xmlFile the file to read
     * @param displayName how problems name the file
     * @return what the file says, with its problems (never thrown)
     */
    public static AnnotationFile readDetections(Path xmlFile, String displayName) {
        return read(xmlFile, displayName, false);
    }

    private static AnnotationFile read(Path xmlFile, String displayName, boolean descriptions) {
        Handler handler = new Handler(displayName, descriptions);
        List<Problem> fileProblems = handler.fileProblems;
        try {
            long size = Files.size(xmlFile);
            if (size > MAX_XML_BYTES) {
                fileProblems.add(new Problem(displayName, null, null,
                        "annotation file is " + size + " bytes; refusing files over " + MAX_XML_BYTES));
                return handler.result(xmlFile);
            }
            try (InputStream in = Files.newInputStream(xmlFile)) {
                InputSource source = new InputSource(in);
                source.setSystemId(xmlFile.toUri().toString());
                newParser().parse(source, handler);
            }
        } catch (SAXParseException e) {
            handler.abandonOpenObject();
            int line = e.getLineNumber() > 0 ? e.getLineNumber() : 1;
            String why = e.getMessage() == null ? e.toString() : e.getMessage().strip();
            if (why.endsWith(".")) {
                why = why.substring(0, why.length() - 1);
            }
            String message = why.contains("DOCTYPE")
                    ? "malformed XML: DOCTYPE declarations are not allowed (entities and DTDs are never loaded)"
                    : "malformed XML: " + why;
            if (!handler.objects.isEmpty() || handler.sawObject) {
                message += "; only the " + handler.objects.size()
                        + " complete <object> elements before this point are counted, so later global indices shift";
            }
            fileProblems.add(new Problem(displayName, line, null, message));
        } catch (SAXException e) {
            handler.abandonOpenObject();
            fileProblems.add(new Problem(displayName, null, null, "malformed XML: " + e.getMessage()));
        } catch (IOException e) {
            handler.abandonOpenObject();
            fileProblems.add(new Problem(displayName, null, null, "cannot read annotation file: " + e));
        }
        return handler.result(xmlFile);
    }

    /** SAX callbacks tracking the element path; collects leaf texts of the elements it knows. */
    private static final class Handler extends DefaultHandler {
        private final String displayName;
        private final List<String> path = new ArrayList<>();
        private final StringBuilder text = new StringBuilder();
        private Locator locator;

        final List<AnnotatedObject> objects = new ArrayList<>();
        final List<Problem> fileProblems = new ArrayList<>();
        boolean sawObject;

        private String filename;
        private int filenameLine;
        private String widthText;
        private int widthLine;
        private String heightText;
        private int heightLine;
        private int sizeLine;

        // the <object> being read
        private ObjectState current;

        private final boolean descriptions;

        Handler(String displayName, boolean descriptions) {
            this.displayName = displayName;
            this.descriptions = descriptions;
        }

        @Override
        public void setDocumentLocator(Locator locator) {
            this.locator = locator;
        }

        private int line() {
            return locator == null ? 0 : locator.getLineNumber();
        }

        @Override
        public void startElement(String uri, String localName, String qName, Attributes attributes) {
            path.add(qName);
            text.setLength(0);
            int depth = path.size();
            if (depth == 2 && qName.equals("object")) {
                sawObject = true;
                current = new ObjectState(line());
            } else if (depth == 2 && qName.equals("size")) {
                sizeLine = line();
            } else if (depth == 2 && qName.equals("filename") && filenameLine == 0) {
                filenameLine = line();
            } else if (depth == 3 && path.get(1).equals("size") && qName.equals("width") && widthLine == 0) {
                widthLine = line();
            } else if (depth == 3 && path.get(1).equals("size") && qName.equals("height") && heightLine == 0) {
                heightLine = line();
            } else if (current != null && depth == 3) {
                switch (qName) {
                    case "name" -> current.nameLine = current.nameLine == 0 ? line() : current.nameLine;
                    case "bndbox" -> {
                        if (current.boxLine == 0) {
                            current.boxLine = line();
                            current.inFirstBox = true;
                        }
                    }
                    case "description" -> current.descriptionLine =
                            current.descriptionLine == 0 ? line() : current.descriptionLine;
                    default -> { }
                }
            } else if (current != null && depth == 4 && current.inFirstBox && path.get(2).equals("bndbox")) {
                current.cornerLines.putIfAbsent(qName, line());
            }
        }

        @Override
        public void characters(char[] ch, int start, int length) {
            text.append(ch, start, length);
        }

        @Override
        public void endElement(String uri, String localName, String qName) {
            int depth = path.size();
            String leaf = text.toString();
            if (depth == 2 && qName.equals("object") && current != null) {
                objects.add(current.finish(displayName, descriptions));
                current = null;
            } else if (depth == 2 && qName.equals("filename") && filename == null) {
                filename = leaf.trim();
            } else if (depth == 3 && path.get(1).equals("size")) {
                if (qName.equals("width") && widthText == null) {
                    widthText = leaf.trim();
                } else if (qName.equals("height") && heightText == null) {
                    heightText = leaf.trim();
                }
            } else if (current != null && depth == 3) {
                switch (qName) {
                    case "name" -> current.name = current.name == null ? leaf.trim() : current.name;
                    case "description" -> current.description =
                            current.description == null ? leaf : current.description;
                    case "bndbox" -> current.inFirstBox = false;
                    default -> { }
                }
            } else if (current != null && depth == 4 && current.inFirstBox && path.get(2).equals("bndbox")) {
                current.corners.putIfAbsent(qName, leaf.trim());
            }
            text.setLength(0);
            path.remove(path.size() - 1);
        }

        /** An object cut off by a parse error is not counted: its extent is unknown. */
        void abandonOpenObject() {
            current = null;
        }

        AnnotationFile result(Path xmlFile) {
            Integer width = positiveInt(widthText, "width", widthLine);
            Integer height = positiveInt(heightText, "height", heightLine);
            return new AnnotationFile(xmlFile, displayName, filename, filenameLine, width, height, sizeLine,
                    List.copyOf(objects), List.copyOf(fileProblems));
        }

        private Integer positiveInt(String value, String tag, int line) {
            if (value == null) {
                return null;
            }
            Integer parsed = null;
            if (DECIMAL.matcher(value).matches()) {
                double d = Double.parseDouble(value);
                if (d >= 1 && d <= Integer.MAX_VALUE && d == Math.rint(d)) {
                    parsed = (int) d;
                }
            }
            if (parsed == null) {
                fileProblems.add(new Problem(displayName, line, null,
                        "<size><" + tag + "> is '" + value + "', not a positive integer; the image header is used"));
            }
            return parsed;
        }
    }

    /** Fields of one {@code <object>} as they arrive. */
    private static final class ObjectState {
        final int line;
        String name;
        int nameLine;
        String description;
        int descriptionLine;
        int boxLine;
        boolean inFirstBox;
        final Map<String, String> corners = new HashMap<>();
        final Map<String, Integer> cornerLines = new HashMap<>();

        ObjectState(int line) {
            this.line = line;
        }

        AnnotatedObject finish(String file, boolean descriptionRequired) {
            List<Problem> problems = new ArrayList<>();
            if (name == null) {
                problems.add(new Problem(file, line, null, "<object> has no <name>"));
            } else if (name.isEmpty()) {
                problems.add(new Problem(file, nameLine, null, "<name> is empty"));
            }
            Box box = boxLine == 0 ? null : parseBox(file, problems);
            if (boxLine == 0) {
                problems.add(new Problem(file, line, null, "<object> has no <bndbox>"));
            }
            if (description == null && descriptionRequired) {
                problems.add(new Problem(file, line, null, "<object> has no <description>"));
            }
            return new AnnotatedObject(name, box, boxLine == 0 ? line : boxLine, description,
                    descriptionLine == 0 ? line : descriptionLine, line, List.copyOf(problems));
        }

        private Box parseBox(String file, List<Problem> problems) {
            double[] v = new double[4];
            boolean ok = true;
            for (int i = 0; i < 4; i++) {
                String tag = CORNERS[i];
                String value = corners.get(tag);
                if (value == null) {
                    problems.add(new Problem(file, boxLine, null, "<bndbox> has no <" + tag + ">"));
                    ok = false;
                } else if (!DECIMAL.matcher(value).matches()) {
                    problems.add(new Problem(file, cornerLines.getOrDefault(tag, boxLine), null,
                            "<" + tag + "> is '" + value + "', not a number"));
                    ok = false;
                } else {
                    v[i] = Double.parseDouble(value);
                    if (!Double.isFinite(v[i])) {
                        problems.add(new Problem(file, cornerLines.getOrDefault(tag, boxLine), null, "<" + tag
                                + "> is '" + shortened(value) + "', too large for a coordinate"));
                        ok = false;
                    }
                }
            }
            if (!ok) {
                return null;
            }
            if (v[2] <= v[0] || v[3] <= v[1]) {
                problems.add(new Problem(file, boxLine, null, String.format(java.util.Locale.ROOT,
                        "degenerate box (%s, %s, %s, %s): need xmin < xmax and ymin < ymax",
                        fmt(v[0]), fmt(v[1]), fmt(v[2]), fmt(v[3]))));
                return null;
            }
            return new Box(v[0], v[1], v[2], v[3]);
        }
    }

    /** @return the text, or its first 20 characters and its length when longer */
    static String shortened(String value) {
        return value.length() <= 24 ? value : value.substring(0, 20) + "... (" + value.length() + " characters)";
    }

    /** @return a number without a trailing ".0" when it is whole */
    static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
