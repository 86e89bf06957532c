package dev.qwenvl.e2e;

import org.junit.platform.suite.api.SelectClasses;
import org.junit.platform.suite.api.Suite;

/**
 * The two vision-input oracles in one JVM and one runtime with vLLM's engine in process
 * ({@link E2ESharedRuntime}): one JVM start and one {@code import vllm} instead of two. Each test
 * still starts its own engine (each hooks its loaded model). failsafe's default execution leaves
 * these classes out (pom.xml); {@code -Dit.test=Qwen3VisionInputOracleE2EIT} still runs one alone.
 */
@Suite
@SelectClasses({Qwen25VisionInputOracleE2EIT.class, Qwen3VisionInputOracleE2EIT.class})
class VisionInputOraclesE2EIT {}
