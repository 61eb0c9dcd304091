package dev.overlayd.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.logging.Logger;
import dev.overlayd.membership.enrolment.EnrolmentClient;
import dev.overlayd.membership.enrolment.EnrolmentFailed;
import dev.overlayd.membership.identity.ClusterCa;
import dev.overlayd.membership.identity.IdentityException;
import dev.overlayd.membership.identity.KeyFiles;
import dev.overlayd.noise.Clock;
import dev.overlayd.noise.PrivateKey;
import dev.overlayd.node.config.ClusterConfig;

/**
 * A new instance's first boot: it makes its own key (kept when there is one, so that a node whose
 * certificate was lost enrols again as itself), enrols with the token through its seeds, and writes
 * the CA certificate, its certificate and which member issued it where the identity is read from.
 */
final class FirstEnrolment {
    private static final Logger LOG = Logger.getLogger(FirstEnrolment.class.getName());

    private FirstEnrolment() {}

    static void enrol(ClusterConfig config) throws IdentityException, EnrolmentFailed, InterruptedException {
        ClusterConfig.Enrolment enrolment = config.enrolment();
        createState(config.state());
        PrivateKey key;
        if (Files.exists(config.key())) {
            key = KeyFiles.readNodeKey(config.key());
        } else {
            key = PrivateKey.generate(new SecureRandom());
            KeyFiles.writeNodeKey(config.key(), key);
        }
        LOG.info("enrolling as " + enrolment.name() + " with token " + enrolment.token().id() + " through "
                + config.seeds());
        EnrolmentClient.Enrolled enrolled = new EnrolmentClient(Clock.SYSTEM).enrol(enrolment.token(), key,
                enrolment.name(), config.seeds());
        key.wipe();
        if (Files.exists(config.ca())) {
            ClusterCa held = ClusterCa.read(config.ca());
            if (!held.equals(enrolled.ca())) {
                throw new IdentityException(config.ca() + " is another cluster's CA than the one the token names");
            }
        } else {
            enrolled.ca().writePem(config.ca());
        }
        enrolled.certificate().writePem(config.certificate());
        RenewalSchedule.IssuedBy.write(config.state(), enrolment.token().issuer(), enrolled.issuer());
        LOG.info("enrolled: " + enrolled.certificate().name() + " " + enrolled.certificate().address().getHostAddress()
                + " with subnet " + enrolled.certificate().subnet() + ", valid until " + enrolled.certificate().notAfter());
    }

    static void createState(Path state) throws IdentityException {
        try {
            Files.createDirectories(state, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new IdentityException("cannot create the state directory " + state + ": " + e.getMessage());
        }
    }
}
