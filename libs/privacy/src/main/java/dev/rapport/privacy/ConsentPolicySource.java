package dev.rapport.privacy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.runtime.Startup;

/**
 * The consent policy every enforcement point of this service decides with: the standard one, or the deployment's file
 * ({@code rapport.privacy.policy-file}). Loaded at start, so that a policy with a mistake stops the service.
 */
@Singleton
public class ConsentPolicySource {
    @Produces
    @Singleton
    @Startup
    ConsentPolicy policy(@ConfigProperty(name = "rapport.privacy.policy-file") Optional<Path> file) {
        if (file.isEmpty()) {
            return ConsentPolicy.standard();
        }
        try (InputStream in = Files.newInputStream(file.get())) {
            return ConsentPolicy.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the consent policy " + file.get(), e);
        }
    }
}
