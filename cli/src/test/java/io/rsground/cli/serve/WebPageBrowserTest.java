package io.rsground.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;

/**
 * The web page end to end in a real browser: Debian's headless Chromium driven by Debian's chromedriver (both
 * given by path, so Selenium Manager never runs and nothing is downloaded). Uploads a fixture image, types
 * queries, and checks that each drawn box is the one the API returns, in the SVG's coordinates and on screen.
 */
class WebPageBrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    /** Selenium warns that it has no DevTools binding for this Chromium; the test uses WebDriver only. */
    private static final java.util.logging.Logger CDP_LOG =
            java.util.logging.Logger.getLogger("org.openqa.selenium.devtools.CdpVersionFinder");

    private static GroundingServer server;
    private static URI base;
    private static ChromeDriver browser;
    private static Path profile;

    @BeforeAll
    static void start() throws Exception {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            throw new IllegalStateException("the browser test needs Debian's chromium and chromium-driver "
                    + "(apt-get install -y chromium chromium-driver; .ci/run installs them)");
        }
        server = new GroundingServer(TestModel.grounder(), TestModel.settings(2, 4, 25L << 20, 50_000_000, 32));
        server.start();
        base = server.baseUri();
        CDP_LOG.setLevel(java.util.logging.Level.SEVERE);
        profile = Files.createTempDirectory("rsground-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--no-default-browser-check", "--user-data-dir=" + profile,
                "--window-size=1366,768");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        browser.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.close();
        }
        if (profile != null) {
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    @BeforeEach
    void openPage() {
        browser.get(base.toString());
    }

    private static WebElement byId(String id) {
        return browser.findElement(By.id(id));
    }

    private static Object js(String script, Object... args) {
        return ((JavascriptExecutor) browser).executeScript(script, args);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!holdsNow(condition)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "; error shown: '"
                        + byId("error").getText() + "'");
            }
            Thread.sleep(50);
        }
    }

    /**
     * @return the condition, false when an element it read was replaced meanwhile: the page re-renders its lists
     *     while answers arrive, so a condition that finds an element and then reads it can race with that
     */
    private static boolean holdsNow(BooleanSupplier condition) {
        try {
            return condition.getAsBoolean();
        } catch (StaleElementReferenceException replaced) {
            return false;
        }
    }

    private static void choose(Path file) throws InterruptedException {
        byId("file").sendKeys(file.toAbsolutePath().toString());
        if (file.toString().endsWith(".png") || file.toString().endsWith(".jpg")) {
            await("the picture", () -> ((Number) js("return document.getElementById('picture').naturalWidth;"))
                    .intValue() > 0);
        }
    }

    private static List<WebElement> results() {
        return browser.findElements(By.cssSelector("#results li"));
    }

    /** Asks the page about the stadium in {@code image}, waits for its answer, and asks the API the same. */
    private JsonNode askForTheStadium(Path image) throws Exception {
        choose(image);
        byId("queries").sendKeys("the white stadium", Keys.ENTER);
        await("one result", () -> results().size() == 1);
        return new Http.Form().image(image).queries("the white stadium").post(base).json();
    }

    /** @return the first result's box, x1 y1 x2 y2 in image pixels */
    private static double[] firstBox(JsonNode api) {
        return Http.doubles(api.get("results").get(0).get("box_xyxy")).stream().mapToDouble(Double::doubleValue)
                .toArray();
    }

    @Test
    void aQueryTypedAndEnteredIsDrawnWhereTheApiPutsIt() throws Exception {
        Path image = TestModel.image("sample_1.png");
        JsonNode api = askForTheStadium(image);
        double[] box = firstBox(api);

        WebElement rect = browser.findElement(By.cssSelector("#overlay rect.box"));
        assertThat(rect.getAttribute("data-query")).isEqualTo("the white stadium");
        assertThat(Double.parseDouble(rect.getAttribute("x"))).isCloseTo(box[0], within(1e-9));
        assertThat(Double.parseDouble(rect.getAttribute("y"))).isCloseTo(box[1], within(1e-9));
        assertThat(Double.parseDouble(rect.getAttribute("width"))).isCloseTo(box[2] - box[0], within(1e-9));
        assertThat(Double.parseDouble(rect.getAttribute("height"))).isCloseTo(box[3] - box[1], within(1e-9));

        // on screen: the box sits over the same pixels of the (scaled) picture
        @SuppressWarnings("unchecked")
        List<Number> g = (List<Number>) js("const p = document.getElementById('picture').getBoundingClientRect();"
                + "const r = document.querySelector('#overlay rect.box').getBoundingClientRect();"
                + "const pic = document.getElementById('picture');"
                + "return [p.left, p.top, p.width, p.height, r.left, r.top, r.right, r.bottom,"
                + " pic.naturalWidth, pic.naturalHeight, Number(arguments[0].getAttribute('stroke-width'))];", rect);
        double scale = g.get(2).doubleValue() / g.get(8).doubleValue();
        assertThat(g.get(3).doubleValue() / g.get(9).doubleValue()).isCloseTo(scale, within(0.01));
        double tolerance = g.get(10).doubleValue() * scale + 1.0; // the stroke may count in the bounds
        double left = g.get(0).doubleValue();
        double top = g.get(1).doubleValue();
        assertThat(g.get(4).doubleValue()).isCloseTo(left + box[0] * scale, within(tolerance));
        assertThat(g.get(5).doubleValue()).isCloseTo(top + box[1] * scale, within(tolerance));
        assertThat(g.get(6).doubleValue()).isCloseTo(left + box[2] * scale, within(tolerance));
        assertThat(g.get(7).doubleValue()).isCloseTo(top + box[3] * scale, within(tolerance));

        // the list shows the same coordinates, rounded to a tenth of a pixel
        String listed = results().get(0).getText();
        assertThat(listed).contains("the white stadium").contains(String.format(java.util.Locale.ROOT,
                "[%.1f, %.1f, %.1f, %.1f]", box[0], box[1], box[2], box[3]));
        assertThat(byId("status").getText()).contains("640 × 480");
        Files.write(Path.of("target", "web-page.png"), browser.getScreenshotAs(OutputType.BYTES));
    }

    @Test
    void severalQueriesGetOneColourEachAndCtrlEnterSubmits() throws Exception {
        Path image = TestModel.image("sample_3.png");
        choose(image);
        WebElement queries = byId("queries");
        queries.sendKeys("the ship at the pier");
        new Actions(browser).keyDown(Keys.SHIFT).sendKeys(Keys.ENTER).keyUp(Keys.SHIFT).perform();
        queries.sendKeys("the largest storage tank");
        new Actions(browser).keyDown(Keys.SHIFT).sendKeys(Keys.ENTER).keyUp(Keys.SHIFT).perform();
        queries.sendKeys("a road");
        assertThat(results()).isEmpty(); // Shift+Enter only started new lines
        new Actions(browser).keyDown(Keys.CONTROL).sendKeys(Keys.ENTER).keyUp(Keys.CONTROL).perform();
        await("three results", () -> results().size() == 3);

        JsonNode api = new Http.Form().image(image).queries("the ship at the pier", "the largest storage tank",
                "a road").post(base).json();
        List<WebElement> rects = browser.findElements(By.cssSelector("#overlay rect.box"));
        assertThat(rects).hasSize(3);
        for (int i = 0; i < 3; i++) {
            JsonNode expected = api.get("results").get(i);
            assertThat(rects.get(i).getAttribute("data-query")).isEqualTo(expected.get("query").asText());
            assertThat(Double.parseDouble(rects.get(i).getAttribute("x")))
                    .isCloseTo(expected.get("box_xyxy").get(0).asDouble(), within(1e-9));
            assertThat(results().get(i).getText()).contains(expected.get("query").asText());
        }
        assertThat(rects.stream().map(r -> r.getAttribute("stroke")).distinct()).hasSize(3);
        // the screenshot of the result page is kept for people to look at
        Files.write(Path.of("target", "web-page-3-queries.png"), browser.getScreenshotAs(OutputType.BYTES));
    }

    @Test
    void anImageDroppedOnTheDropZoneIsGrounded() throws Exception {
        Path image = TestModel.image("sample_5.jpg");
        // a drop as the browser delivers it: a DragEvent whose DataTransfer holds the file
        js("const bytes = Uint8Array.from(atob(arguments[0]), (c) => c.charCodeAt(0));"
                + "const transfer = new DataTransfer();"
                + "transfer.items.add(new File([bytes], 'dropped.jpg', {type: 'image/jpeg'}));"
                + "document.getElementById('drop').dispatchEvent(new DragEvent('drop', {dataTransfer: transfer,"
                + " bubbles: true, cancelable: true}));",
                java.util.Base64.getEncoder().encodeToString(Files.readAllBytes(image)));
        await("the dropped picture", () -> ((Number) js("return document.getElementById('picture')"
                + ".naturalWidth;")).intValue() == 96);
        assertThat(byId("status").getText()).contains("dropped.jpg");
        byId("queries").sendKeys("a small car", Keys.ENTER);
        await("one result", () -> results().size() == 1);
        JsonNode api = new Http.Form().image(image).queries("a small car").post(base).json();
        WebElement rect = browser.findElement(By.cssSelector("#overlay rect.box"));
        assertThat(Double.parseDouble(rect.getAttribute("y")))
                .isCloseTo(api.get("results").get(0).get("box_xyxy").get(1).asDouble(), within(1e-9));

        // a 96 px image is enlarged to fill the panel, and its caption keeps a screen size that leaves the
        // objects in view
        @SuppressWarnings("unchecked")
        List<Number> sizes = (List<Number>) js("const p = document.getElementById('picture');"
                + "const chip = document.querySelector('#overlay g rect:not(.box)').getBoundingClientRect();"
                + "return [p.getBoundingClientRect().width, p.naturalWidth, chip.height];");
        assertThat(sizes.get(0).doubleValue()).as("shown width of a 96 px image")
                .isGreaterThan(2 * sizes.get(1).doubleValue());
        assertThat(sizes.get(2).doubleValue()).as("caption height on screen, px").isBetween(10.0, 30.0);
        Files.write(Path.of("target", "web-page-small-image.png"), browser.getScreenshotAs(OutputType.BYTES));
    }

    @Test
    void theHeaderNamesTheModelNotItsConfigFile() throws Exception {
        await("the model's line", () -> !byId("model").getText().isBlank());
        // the fixture's weights are checkpoint.pth, its architecture model.json; the API names files, never folders
        assertThat(byId("model").getText()).startsWith("checkpoint.pth \u00b7 ").doesNotContain("model.json")
                .doesNotContain("/");
    }

    @Test
    void eachQueryCanBeHiddenAndShownAgain() throws Exception {
        choose(TestModel.image("sample_3.png"));
        byId("queries").sendKeys("the ship at the pier", Keys.SHIFT, Keys.ENTER);
        byId("queries").sendKeys("the largest storage tank", Keys.ENTER);
        await("two results", () -> results().size() == 2);
        List<WebElement> groups = browser.findElements(By.cssSelector("#overlay g"));
        WebElement toggle = results().get(1).findElement(By.cssSelector("button.toggle"));
        assertThat(toggle.getText()).isEqualTo("hide");

        toggle.click();
        assertThat(groups.get(1).isDisplayed()).as("the second query's box, hidden").isFalse();
        assertThat(groups.get(0).isDisplayed()).as("the first query's box").isTrue();
        assertThat(results().get(1).getAttribute("class")).contains("off");
        assertThat(toggle.getText()).isEqualTo("show");

        toggle.click();
        assertThat(groups.get(1).isDisplayed()).as("the second query's box, shown again").isTrue();
        assertThat(results().get(1).getAttribute("class")).doesNotContain("off");
    }

    @Test
    void theAnswerAndTheAnnotatedImageCanBeDownloaded() throws Exception {
        Path image = TestModel.image("sample_1.png");
        JsonNode api = askForTheStadium(image);
        double[] box = firstBox(api);
        // a download is a link to an object URL, clicked: keep the file's name and its blob instead (the page's
        // policy lets no script fetch a blob: URL)
        js("window.saved = []; window.blobs = []; const url = URL.createObjectURL;"
                + "URL.createObjectURL = (blob) => { window.blobs.push(blob); return url(blob); };"
                + "HTMLAnchorElement.prototype.click = function () { window.saved.push({ name: this.download }); };");

        byId("save-json").click();
        await("the JSON", () -> ((Number) js("return window.saved.length;")).intValue() == 1);
        String json = (String) ((JavascriptExecutor) browser).executeAsyncScript("const done = arguments[0];"
                + "window.blobs[window.blobs.length - 1].text().then(done, (e) => done('failed: ' + e));");
        assertThat((String) js("return window.saved[0].name;")).isEqualTo("sample_1-boxes.json");
        JsonNode saved = io.rsground.cli.ResultJson.MAPPER.readTree(json);
        assertThat(saved.get("results").get(0).get("query").asText()).isEqualTo("the white stadium");
        assertThat(Http.doubles(saved.get("results").get(0).get("box_xyxy"))).containsExactly(box[0], box[1],
                box[2], box[3]);

        byId("save-image").click();
        await("the PNG", () -> ((Number) js("return window.saved.length;")).intValue() == 2);
        String png = (String) ((JavascriptExecutor) browser).executeAsyncScript("const done = arguments[0];"
                + "window.blobs[window.blobs.length - 1].arrayBuffer().then((buffer) => {"
                + "  let text = ''; new Uint8Array(buffer).forEach((b) => { text += String.fromCharCode(b); });"
                + "  done(btoa(text)); }, (e) => done('failed: ' + e));");
        assertThat((String) js("return window.saved[1].name;")).isEqualTo("sample_1-boxes.png");
        java.awt.image.BufferedImage picture = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(
                java.util.Base64.getDecoder().decode(png)));
        assertThat(picture.getWidth()).as("width of the saved picture").isGreaterThanOrEqualTo(640);
        assertThat((double) picture.getHeight() / picture.getWidth()).isCloseTo(480.0 / 640, within(0.01));
        // the first query's colour, #e6194b, on the box's left edge at its middle
        double k = picture.getWidth() / 640.0;
        int y = (int) Math.round((box[1] + box[3]) / 2 * k);
        int best = Integer.MAX_VALUE;
        for (int x = (int) Math.round(box[0] * k) - 3; x <= Math.round(box[0] * k) + 3; x++) {
            java.awt.Color c = new java.awt.Color(picture.getRGB(x, y));
            best = Math.min(best, Math.abs(c.getRed() - 0xe6) + Math.abs(c.getGreen() - 0x19)
                    + Math.abs(c.getBlue() - 0x4b));
        }
        assertThat(best).as("distance to the box's colour on its left edge").isLessThan(40);
    }

    @Test
    void apiErrorsAreShown(@TempDir Path dir) throws Exception {
        Path notes = dir.resolve("notes.txt");
        Files.writeString(notes, "this is not an image");
        choose(notes);
        byId("queries").sendKeys("a ship", Keys.ENTER);
        await("an error", () -> !byId("error").getText().isBlank());
        assertThat(byId("error").getText()).contains("400").contains("notes.txt")
                .contains("not an image (JPEG, PNG, TIFF, BMP or GIF expected)").doesNotContain("ImageIO");
        assertThat(results()).isEmpty();
        assertThat(byId("ground").isEnabled()).isTrue(); // ready for the next try
    }

    /** A scene is a job: the page polls it, then draws every query's boxes, best first, as the job's result. */
    @Test
    void aSceneInWindowsIsPolledAndAllItsBoxesDrawn(@TempDir Path dir) throws Exception {
        Path checkpoint = io.rsground.testing.PresenceCheckpoints.untrained(dir.resolve("model"), 64, 3);
        Path scene = dir.resolve("scene.png");
        javax.imageio.ImageIO.write(io.rsground.geo.GeoTiffs.pattern(320, 200), "png", scene.toFile());
        try (io.rsground.infer.Grounder grounder = new io.rsground.infer.Grounder(io.rsground.infer.ModelLoader
                .load(io.rsground.infer.ModelLoader.Request.of(checkpoint)), 4);
                GroundingServer scenes = new GroundingServer(grounder, TestModel.settings(1, 2, 25L << 20,
                        50_000_000, 32))) {
            scenes.start();
            browser.get(scenes.baseUri().toString());
            choose(scene);
            byId("queries").sendKeys("a ship", Keys.SHIFT, Keys.ENTER);
            byId("queries").sendKeys("the red car", Keys.ENTER);
            await("the job's boxes", () -> byId("status").getText().contains("windows)"));

            Http.Reply accepted = new Http.Form().image(scene).queries("a ship", "the red car").post(scenes
                    .baseUri());
            assertThat(accepted.status()).isEqualTo(202);
            JsonNode job;
            do {
                Thread.sleep(100);
                job = Http.get(scenes.baseUri(), accepted.json().get("status_url").asText().substring(1)).json();
            } while (!job.get("status").asText().equals("done"));
            List<WebElement> rects = browser.findElements(By.cssSelector("#overlay rect.box"));
            int at = 0;
            for (JsonNode answer : job.get("result").get("results")) {
                for (JsonNode box : answer.get("boxes")) {
                    assertThat(rects.get(at).getAttribute("data-query")).isEqualTo(answer.get("query").asText());
                    assertThat(Double.parseDouble(rects.get(at).getAttribute("x")))
                            .isCloseTo(box.get("box_xyxy").get(0).asDouble(), within(1e-9));
                    at++;
                }
            }
            assertThat(rects).hasSize(at).hasSizeGreaterThan(2);
            assertThat(byId("status").getText()).contains("320 × 200").contains(job.get("result").get("windows")
                    .asText() + " windows");
            Files.write(Path.of("target", "web-page-scene.png"), browser.getScreenshotAs(OutputType.BYTES));
        }
    }

    @Test
    void onAServerWithATokenThePageTakesItFromTheAddressOrAsksForIt() throws Exception {
        String token = "browser-test-token-0123456789";
        try (GroundingServer guarded = new GroundingServer(TestModel.grounder(), TestModel.settings(1, 2, 25L << 20,
                50_000_000, 32).withToken(token))) {
            guarded.start();
            // from the fragment: never sent to the server, removed from the address bar, sent with each call
            browser.get(guarded.baseUri() + "#token=" + token);
            await("the fragment removed", () -> !browser.getCurrentUrl().contains("token"));
            choose(TestModel.image("sample_1.png"));
            byId("queries").sendKeys("the white stadium", Keys.ENTER);
            await("one result", () -> results().size() == 1);
            assertThat(byId("error").getText()).isEmpty();

            // a new tab without it: the page asks when the server answers 401
            js("sessionStorage.clear(); window.prompt = () => arguments[0];", token);
            byId("queries").clear();
            byId("queries").sendKeys("a ship", Keys.ENTER);
            await("the answer after the prompt", () -> results().size() == 1
                    && results().get(0).getText().contains("a ship"));
            assertThat(byId("error").getText()).isEmpty();
        }
    }
}
