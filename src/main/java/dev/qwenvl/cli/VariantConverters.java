package dev.qwenvl.cli;

import dev.qwenvl.model.ModelVariant;
import dev.qwenvl.prompt.PromptVariant;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Option converters for the library's variant keys; their messages list the valid keys. */
final class VariantConverters {
    private VariantConverters() {}

    static final class Model implements ITypeConverter<ModelVariant> {
        @Override
        public ModelVariant convert(String value) {
            try {
                return ModelVariant.fromKey(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class Prompt implements ITypeConverter<PromptVariant> {
        @Override
        public PromptVariant convert(String value) {
            try {
                return PromptVariant.fromKey(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
