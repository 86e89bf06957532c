"""The Python half of qwenvl-jep: runs inside the JVM's embedded interpreter (JEP)."""
