package dev.qwenvl.e2e;

import org.junit.platform.suite.api.SelectClasses;
import org.junit.platform.suite.api.Suite;

/**
 * The real-vLLM classes that run in one JVM and share its runtime and its started engines
 * ({@link E2ESharedRuntime}): one JVM start, one {@code import vllm}, and one engine start per
 * engine-argument set (the default settings, the model-preprocesses settings) instead of one per
 * test. Tests that check what a start or a close does still start their own engines. failsafe's
 * default execution leaves these classes out (pom.xml); {@code -Dit.test=RealVllmE2EIT} still
 * runs one of them alone, in its own JVM.
 */
@Suite
@SelectClasses({VllmArgumentsE2EIT.class, RealVllmEngineContractE2EIT.class, RealVllmE2EIT.class, StreamingE2EIT.class})
class SharedEnginesE2EIT {}
