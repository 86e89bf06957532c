package dev.qwenvl.spark;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

/**
 * The accelerator a task's captioner runs on: the GPUs Spark assigned the task (resource
 * {@value #GPU}), or none, in which case the executor's vLLM build decides (the CPU build on CPU
 * nodes). The GPUs reach vLLM as {@value #VISIBLE_DEVICES} in the embedded Python's environment,
 * set before vLLM is imported.
 *
 * @param gpus the GPU addresses Spark assigned, in Spark's order; empty for none
 */
public record Accelerator(List<String> gpus) {
    /** Spark's resource name for GPUs ({@code spark.executor.resource.gpu.amount}). */
    public static final String GPU = "gpu";
    /** The variable that tells CUDA (and so vLLM) which GPUs to use. */
    public static final String VISIBLE_DEVICES = "CUDA_VISIBLE_DEVICES";

    /** No GPU scheduled. */
    public static final Accelerator NONE = new Accelerator(List.of());

    public Accelerator {
        gpus = List.copyOf(gpus);
    }

    /** The accelerator of the running task ({@link #NONE} outside a task, as on the driver). */
    public static Accelerator ofCurrentTask() {
        TaskContext task = TaskContext.get();
        return task == null ? NONE : of(task.resourcesJMap());
    }

    /** The accelerator described by a task's resources (Spark's {@code TaskContext.resourcesJMap()}). */
    public static Accelerator of(Map<String, ResourceInformation> resources) {
        ResourceInformation gpu = resources.get(GPU);
        return gpu == null ? NONE : new Accelerator(Arrays.asList(gpu.addresses()));
    }

    /** Whether Spark scheduled GPUs for the task. */
    public boolean hasGpus() {
        return !gpus.isEmpty();
    }

    /** What the embedded Python's environment gets: {@value #VISIBLE_DEVICES} for GPUs, nothing otherwise. */
    public Map<String, String> environment() {
        return hasGpus() ? Map.of(VISIBLE_DEVICES, String.join(",", gpus)) : Map.of();
    }

    @Override
    public String toString() {
        return hasGpus() ? "GPUs " + String.join(",", gpus) : "no GPU scheduled (the executor's vLLM build decides)";
    }
}
