package dev.qwenvl.jep;

import java.util.concurrent.TimeUnit;

/**
 * How long a JVM shutdown hook may spend closing engines: {@code -Dqwenvl.shutdown.seconds=N},
 * 7 s by default (inside Spark's 10 s and Kubernetes' 30 s grace). The library's hook and the
 * Spark executor's hook both read it here.
 */
public final class ShutdownBudget {
    private ShutdownBudget() {}

    /** The budget in milliseconds, read now (tests and hosts may set the property late). */
    public static long millis() {
        return TimeUnit.SECONDS.toMillis(Long.getLong("qwenvl.shutdown.seconds", 7));
    }
}
