package io.rsground.cli.serve;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fixed pool of worker threads behind a bounded admission: at most {@code threads + queueCapacity} requests are
 * in progress (waiting or running; their bodies have arrived whole before); one more is refused at once rather
 * than queued, so a burst costs neither memory nor latency for those already admitted.
 */
public final class WorkQueue implements AutoCloseable {
    private final int capacity;
    private final Semaphore slots;
    private final ThreadPoolExecutor workers;
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();

    /**
     * @param threads worker threads
     * @param queueCapacity requests that may wait for a worker
     */
    public WorkQueue(int threads, int queueCapacity) {
        this.capacity = threads + queueCapacity;
        this.slots = new Semaphore(capacity);
        AtomicInteger n = new AtomicInteger();
        // the admission bounds the queue; the executor's own queue never holds more than capacity tasks
        this.workers = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(capacity), r -> {
                    Thread t = new Thread(r, "rsground-worker-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
    }

    /** A place in the queue, released by {@link #close()}, or when a detached task ends. */
    public final class Ticket implements AutoCloseable {
        private boolean open = true;
        private boolean detached;

        private Ticket() {
        }

        /**
         * Runs the task on a worker and waits for it.
         *
         * @return the task's result
         * @throws ExecutionException wrapping what the task threw
         * @throws InterruptedException when the waiting thread is interrupted
         */
        public <T> T run(Callable<T> task) throws ExecutionException, InterruptedException {
            Future<T> future = workers.submit(task);
            try {
                return future.get();
            } catch (InterruptedException e) {
                future.cancel(true);
                throw e;
            }
        }

        /**
         * Runs the task on a worker without waiting: the place stays taken until it ends, so long tasks count
         * against the queue's capacity like waiting requests do, and {@link #close()} leaves it to the task.
         */
        public synchronized void detach(Runnable task) {
            if (!open || detached) {
                throw new IllegalStateException("this ticket has been used");
            }
            detached = true;
            try {
                workers.execute(() -> {
                    try {
                        task.run();
                    } finally {
                        release();
                    }
                });
            } catch (RuntimeException e) { // the queue is closing
                release();
                throw e;
            }
        }

        private synchronized void release() {
            if (open) {
                open = false;
                completed.incrementAndGet();
                slots.release();
            }
        }

        @Override
        public synchronized void close() {
            if (!detached) {
                release();
            }
        }
    }

    /** @return a ticket, or null when {@code threads + queueCapacity} requests are already in progress */
    public Ticket tryEnter() {
        if (!slots.tryAcquire()) {
            rejected.incrementAndGet();
            return null;
        }
        return new Ticket();
    }

    /** @return requests in progress now */
    public int inProgress() {
        return capacity - slots.availablePermits();
    }

    /** @return requests admitted at once at most */
    public int capacity() {
        return capacity;
    }

    /** @return requests refused because the queue was full, since start */
    public long rejected() {
        return rejected.get();
    }

    /** @return admitted requests that have finished, since start */
    public long completed() {
        return completed.get();
    }

    /** Stops the workers, waiting a few seconds for running tasks so that the model is not closed under them. */
    @Override
    public void close() {
        workers.shutdownNow();
        try {
            workers.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
