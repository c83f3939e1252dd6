package io.rsground.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntFunction;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker side of one {@link BatchLoader.Epoch}: daemon threads claim the next position of the visiting order
 * while fewer than {@code capacity} positions are ahead of the consumer, prepare it and put the result in a ring
 * slot (position modulo capacity), from which the consumer takes the results in order. With no workers the
 * consumer prepares each position itself as it takes it. A result that stops claims (a failure) lets the positions
 * before it be delivered and no later one be claimed.
 */
final class PrefetchRing {
    /** The loader's logger: its warnings are about the loader's threads. */
    private static final Logger LOG = LoggerFactory.getLogger(BatchLoader.class);
    private static final long JOIN_TIMEOUT_MS = 30_000;

    private final int epoch;
    private final int[] order;
    private final int capacity;
    private final IntFunction<Object> prepare;
    private final Predicate<Object> stopsClaims;
    /** Results by position modulo capacity; null while pending. */
    private final Object[] ring;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final List<Thread> workers = new ArrayList<>();
    /** Next position to claim (workers) and next position to take (consumer), under the lock. */
    private int nextClaim;
    private int taken;
    private boolean stopped;
    private boolean closed;

    /**
     * Starts the workers at once.
     *
     * @param epoch the epoch number, for thread names and messages
     * @param order positions in the sample list, in visiting order
     * @param capacity the most positions claimed but not yet taken
     * @param numWorkers worker threads; 0 prepares each position in the consumer's thread
     * @param prepare prepares the sample at a position of the sample list; never throws
     * @param stopsClaims whether a result ends the claiming of further positions
     */
    PrefetchRing(int epoch, int[] order, int capacity, int numWorkers, IntFunction<Object> prepare,
            Predicate<Object> stopsClaims) {
        this.epoch = epoch;
        this.order = order;
        this.capacity = capacity;
        this.prepare = prepare;
        this.stopsClaims = stopsClaims;
        this.ring = new Object[capacity];
        for (int w = 0; w < numWorkers; w++) {
            Thread t = new Thread(this::work, "batch-loader-e" + epoch + "-" + w);
            t.setDaemon(true);
            workers.add(t);
        }
        workers.forEach(Thread::start);
    }

    /** @return whether {@link #close} was called (read by the consumer, the only thread that closes) */
    boolean isClosed() {
        return closed;
    }

    /** @return the next position's result, or null at the end of the epoch or once closed */
    Object take() {
        if (workers.isEmpty()) {
            return !closed && taken < order.length ? prepare.apply(order[taken++]) : null;
        }
        lock.lock();
        try {
            int slot = taken % capacity;
            while (!closed && taken < order.length && ring[slot] == null) {
                if (!changed.await(1, TimeUnit.SECONDS) && workers.stream().noneMatch(Thread::isAlive)
                        && ring[slot] == null) {
                    throw new IllegalStateException("epoch " + epoch + ": the loader threads ended before "
                            + "preparing position " + taken);
                }
            }
            if (closed || taken >= order.length) {
                return null;
            }
            Object result = ring[slot];
            ring[slot] = null;
            taken++;
            changed.signalAll();
            return result;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for epoch " + epoch + "'s next sample", e);
        } finally {
            lock.unlock();
        }
    }

    /** Stops the workers (waiting for the samples they are preparing) and drops what they prepared. */
    void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            stopped = true;
            Arrays.fill(ring, null);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        for (Thread t : workers) {
            t.interrupt();
        }
        boolean interrupted = false;
        for (Thread t : workers) {
            try {
                t.join(JOIN_TIMEOUT_MS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
            if (t.isAlive()) {
                LOG.warn("batch loader thread {} still busy {} s after close", t.getName(),
                        TimeUnit.MILLISECONDS.toSeconds(JOIN_TIMEOUT_MS));
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** A worker: claims the next position while fewer than {@code capacity} are ahead of the consumer. */
    private void work() {
        while (true) {
            int position;
            lock.lock();
            try {
                while (!stopped && nextClaim < order.length && nextClaim - taken >= capacity) {
                    changed.await();
                }
                if (stopped || nextClaim >= order.length) {
                    return;
                }
                position = nextClaim++;
            } catch (InterruptedException e) {
                return; // closed
            } finally {
                lock.unlock();
            }
            Object result = prepare.apply(order[position]);
            lock.lock();
            try {
                if (closed) {
                    return;
                }
                ring[position % capacity] = result;
                if (stopsClaims.test(result)) {
                    stopped = true; // positions before this one are all claimed and will be delivered
                }
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }
}
