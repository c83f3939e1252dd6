package io.rsground.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.rsground.cli.serve.ServerSettings;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** {@code rsground serve}: flags are checked before the model loads; a busy port is a clear error. */
class ServeCommandTest {
    private static String[] serve(String... more) {
        String[] head = {"serve", "--weights", CliRunner.tiny("checkpoint.pth").toString(), "--model-config",
                CliRunner.tiny("model.json").toString(), "--bpe",
                CliRunner.shared().resolve("clip/bpe_simple_vocab_16e6.txt.gz").toString()};
        String[] all = new String[head.length + more.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(more, 0, all, head.length, more.length);
        return all;
    }

    @Test
    void badLimitsExitWithTwo() {
        CliRunner.Result threads = CliRunner.run(serve("--threads", "0"));
        assertThat(threads.exitCode()).isEqualTo(2);
        assertThat(threads.err()).contains("--threads must be at least 1");

        CliRunner.Result queries = CliRunner.run(serve("--max-queries", "0"));
        assertThat(queries.exitCode()).isEqualTo(2);
        assertThat(queries.err()).contains("--max-queries");

        CliRunner.Result upload = CliRunner.run(serve("--max-upload-mb", "0"));
        assertThat(upload.exitCode()).isEqualTo(2);
        assertThat(upload.err()).contains("--max-upload-mb");

        CliRunner.Result port = CliRunner.run(serve("--port", "70000"));
        assertThat(port.exitCode()).isEqualTo(2);
        assertThat(port.err()).contains("--port");
    }

    @Test
    void aPortInUseIsReportedInOneLine() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CliRunner.Result r = CliRunner.run(serve("--port", Integer.toString(taken.getLocalPort())));
            assertThat(r.exitCode()).isEqualTo(2);
            assertThat(r.err()).contains("cannot listen on 127.0.0.1:" + taken.getLocalPort())
                    .contains("--port");
            assertThat(r.err().strip().lines().count()).isEqualTo(1);
        }
    }

    @Test
    void helpListsTheServerFlags() {
        CliRunner.Result r = CliRunner.run("serve", "--help");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("--port", "--host", "--threads", "--queue", "--max-upload-mb", "--max-pixels",
                "--max-queries", "--cache-images", "--token", "--read-timeout");
        // what the server lacks is said before it is started
        assertThat(r.out()).contains("without TLS", "without authentication", "RSGROUND_TOKEN");
    }

    @Test
    void listeningBeyondLoopbackIsWarnedOf() {
        ServerSettings everywhere = new ServerSettings("0.0.0.0", 0, 1, 0, 1024, 1000, 1);
        assertThat(ServeCommand.exposureWarning(everywhere)).get().asString()
                .contains("0.0.0.0", "no authentication", "RSGROUND_TOKEN", "TLS");
        assertThat(ServeCommand.exposureWarning(everywhere.withToken("0123456789abcdef"))).get().asString()
                .contains("TLS").doesNotContain("no authentication");
        assertThat(ServeCommand.exposureWarning(new ServerSettings("127.0.0.1", 0, 1, 0, 1024, 1000, 1))).isEmpty();
        assertThat(ServeCommand.exposureWarning(new ServerSettings("localhost", 0, 1, 0, 1024, 1000, 1))).isEmpty();
    }

    @Test
    void aShortTokenExitsWithTwo() {
        CliRunner.Result r = CliRunner.run(serve("--token", "short"));
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--token", "at least 16 characters");
    }
}
