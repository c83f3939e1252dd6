package io.rsground.cli.serve;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rsground.cli.ResultJson;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Scenes grounded in windows outlive their request: each gets a job that the client polls at
 * {@code /api/v1/jobs/{id}} for its progress and, once done, its answer. Finished jobs are kept for
 * {@value #KEEP_MINUTES} minutes, and at most {@value #MAX_FINISHED} of them.
 */
final class SceneJobs {
    /** Minutes a finished job's answer stays available. */
    static final int KEEP_MINUTES = 15;
    /** Finished jobs kept at most; the oldest go first. */
    static final int MAX_FINISHED = 100;

    /** Where a job stands. */
    enum Status {
        QUEUED, RUNNING, DONE, FAILED
    }

    /** One scene on its way through; updated by the worker, read by the pollers. */
    static final class Job {
        final String id = UUID.randomUUID().toString();
        final int windows;
        private volatile Status status = Status.QUEUED;
        private volatile int windowsDone;
        private volatile ObjectNode answer;
        private volatile String error;
        private volatile long finishedNanos;

        private Job(int windows) {
            this.windows = windows;
        }

        void running() {
            status = Status.RUNNING;
        }

        void windowDone(int done) {
            windowsDone = done;
        }

        void done(ObjectNode result) {
            answer = result;
            finish(Status.DONE);
        }

        void failed(String reason) {
            error = reason;
            finish(Status.FAILED);
        }

        private void finish(Status end) {
            finishedNanos = System.nanoTime();
            status = end;
        }

        Status status() {
            return status;
        }

        /**
         * @return {@code {"job", "status": "queued|running|done|failed", "windows", "windows_done", "status_url"}}
         *     and, once finished, {@code "result"} (as a direct answer) or {@code "error"}
         */
        ObjectNode toJson() {
            ObjectNode node = ResultJson.MAPPER.createObjectNode();
            Status now = status;
            node.put("job", id);
            node.put("status", now.name().toLowerCase(java.util.Locale.ROOT));
            node.put("windows", windows);
            node.put("windows_done", now == Status.DONE ? windows : windowsDone);
            node.put("status_url", GroundingServer.JOBS_PATH + "/" + id);
            if (now == Status.DONE) {
                node.set("result", answer);
            } else if (now == Status.FAILED) {
                node.put("error", error);
            }
            return node;
        }
    }

    private final Map<String, Job> jobs = new ConcurrentHashMap<>();

    /** @return a new queued job over this many windows */
    Job create(int windows) {
        expire();
        Job job = new Job(windows);
        jobs.put(job.id, job);
        return job;
    }

    /** @return the job, or null when it is unknown or has expired */
    Job get(String id) {
        expire();
        return jobs.get(id);
    }

    /** @return jobs queued or running */
    int active() {
        return (int) jobs.values().stream().filter(j -> j.status == Status.QUEUED || j.status == Status.RUNNING)
                .count();
    }

    private void expire() {
        long now = System.nanoTime();
        long keep = TimeUnit.MINUTES.toNanos(KEEP_MINUTES);
        jobs.values().removeIf(j -> finished(j) && now - j.finishedNanos > keep);
        long finished = jobs.values().stream().filter(SceneJobs::finished).count();
        if (finished > MAX_FINISHED) {
            var oldest = jobs.values().stream().filter(SceneJobs::finished)
                    .sorted(java.util.Comparator.comparingLong(j -> j.finishedNanos)).iterator();
            for (long drop = finished - MAX_FINISHED; drop > 0 && oldest.hasNext(); drop--) {
                jobs.remove(oldest.next().id);
            }
        }
    }

    private static boolean finished(Job job) {
        Status s = job.status;
        return s == Status.DONE || s == Status.FAILED;
    }
}
