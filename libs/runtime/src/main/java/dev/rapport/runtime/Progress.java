package dev.rapport.runtime;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Message;

/**
 * How far a long operation has come, the one way every service computes its percentage and its console line (each
 * service maps it onto {@code rapport.common.v1.Progress}). 100 % only once finished: a count that reached its total
 * while the last step is still being written says 99.
 */
public record Progress(long done, long total, String stage, boolean finished, boolean failed) {
    public Progress(long done, long total, String stage, boolean finished) {
        this(done, total, stage, finished, false);
    }

    /** The same, ended by a failure (stage says why); its percentage stays where it was. */
    public Progress failedBecause(String why) {
        return new Progress(done, total, why, true, true);
    }

    public int percent() {
        if (finished && !failed) {
            return 100;
        }
        return total <= 0 ? 0 : (int) Math.min(99, Math.max(0, done) * 100 / total);
    }

    /**
     * As {@code rapport.common.v1.Progress}: give it an empty {@code Progress.newBuilder()} (each service generates its
     * own stubs from the proto jar, so the fields are set by name, as Envelopes does).
     */
    @SuppressWarnings("unchecked")
    public <M extends Message> M toMessage(Message.Builder progress) {
        Descriptor d = progress.getDescriptorForType();
        return (M) progress.setField(d.findFieldByName("done"), done).setField(d.findFieldByName("total"), total)
                .setField(d.findFieldByName("percent"), percent()).setField(d.findFieldByName("stage"), stage)
                .setField(d.findFieldByName("finished"), finished).setField(d.findFieldByName("failed"), failed).build();
    }

    /** e.g. "4,200 of 10,000 people (42 %), sending". */
    public String line(String units) {
        return String.format(java.util.Locale.ROOT, "%,d of %,d %s (%d %%), %s", done, total, units, percent(), stage);
    }
}
