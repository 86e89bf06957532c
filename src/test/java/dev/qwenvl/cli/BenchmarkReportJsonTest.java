package dev.qwenvl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.benchmark.Accelerator;
import dev.qwenvl.benchmark.BenchmarkArchitecture;
import dev.qwenvl.benchmark.BenchmarkReport;
import dev.qwenvl.benchmark.MemoryReading;
import dev.qwenvl.benchmark.Precision;
import dev.qwenvl.benchmark.PrecisionResult;
import dev.qwenvl.model.ModelVariant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BenchmarkReportJsonTest {
    private static BenchmarkReport report() {
        PrecisionResult fp8 = new PrecisionResult(Precision.values()[0], PrecisionResult.Status.FAILED,
                "engine said \"no\"\nsecond line\ttab", Double.NaN, 0, 0, 0, 0, 0, 0, new MemoryReading("not run", -1));
        PrecisionResult bf16 = new PrecisionResult(Precision.values()[1], PrecisionResult.Status.RAN, "", 0.1 + 0.2,
                3, 1, 2.5, 1.75, 1574, 16, new MemoryReading("peak resident memory", 5_325_000_000L));
        return new BenchmarkReport(Accelerator.cpu(), ModelVariant.QWEN, BenchmarkArchitecture.values()[0], 2, 8,
                List.of(fp8, bf16));
    }

    @Test
    void theJacksonReportIsByteForByteWhatTheFormerWriterWrote() throws Exception {
        BenchmarkReport r = report();
        assertEquals(Json.object(BenchmarkCommand.toJson(r)), BenchmarkCommand.reportJson(r));
    }

    @Test
    void aFigureThatIsNotANumberIsNullAndTheReportReadsBack() throws Exception {
        Map<String, Object> back = Json.parseObject(BenchmarkCommand.reportJson(report()));
        Map<?, ?> failed = (Map<?, ?>) ((List<?>) back.get("results")).get(0);
        assertNull(failed.get("engine_start_seconds"));
        assertEquals("engine said \"no\"\nsecond line\ttab", failed.get("reason"));
        Map<?, ?> ran = (Map<?, ?>) ((List<?>) back.get("results")).get(1);
        assertEquals(0.30000000000000004, ran.get("engine_start_seconds"));
        assertEquals(1.2, (Double) ran.get("windows_per_second"), 1e-12);
        assertEquals(5_325_000_000L, ran.get("peak_memory_bytes"));
    }

    @Test
    void theConstrainedPassIsReportedBesideTheFreeTextPassOfTheSameRun() throws Exception {
        PrecisionResult bf16 = new PrecisionResult(Precision.values()[1], PrecisionResult.Status.RAN, "", 1, 4, 0, 2.0, 1.5,
                1000, 400, new MemoryReading("peak resident memory", 1L),
                new dev.qwenvl.benchmark.StructuredPass("the caption schema e.json", 4, 0, 4.0, 200));
        BenchmarkReport r = new BenchmarkReport(Accelerator.cpu(), ModelVariant.QWEN, BenchmarkArchitecture.values()[0], 4,
                100, List.of(bf16));
        String line = r.lines().stream().filter(l -> l.contains("constrained by")).findFirst().orElseThrow();
        assertTrue(line.contains("1.000 windows/s (free text 2.000, x0.50)") && line.contains("50.0 output tokens/s (free text 200.0, x0.25)"),
                line);
        Map<?, ?> ran = (Map<?, ?>) ((List<?>) Json.parseObject(BenchmarkCommand.reportJson(r)).get("results")).get(0);
        Map<?, ?> structured = (Map<?, ?>) ran.get("structured");
        assertEquals(1.0, (Double) structured.get("windows_per_second"), 1e-12);
        assertEquals("the caption schema e.json", structured.get("schema"));
        assertNull(((Map<?, ?>) ((List<?>) Json.parseObject(BenchmarkCommand.reportJson(report())).get("results")).get(1))
                .get("structured"), "no schema, no constrained pass");
    }
}
