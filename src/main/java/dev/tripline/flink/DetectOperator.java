package dev.tripline.flink;

import java.util.List;
import org.apache.flink.streaming.api.operators.ChainingStrategy;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithNonKeyedOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * The detect operator: Flink's own operator for a broadcast function, running {@link DetectFunction} with its live
 * rules in broadcast state ({@link LiveRules#STATE}), and usable with the data input alone.
 *
 * <p>A job that takes rule updates connects it to its control stream (two inputs). A BATCH run over files with
 * fixed rules has no updates to read, so it gives detect the records alone: a one-input operator chains to the
 * file readers, and each record goes from the reader to the parser in the same thread, with no exchange between
 * them. (Two inputs cannot chain to a source; BATCH would then put an exchange there, through which every record
 * read would be written out and read back before detect sees it.) Either way, the function, its state and its
 * outputs are the same.
 */
public final class DetectOperator extends CoBroadcastWithNonKeyedOperator<RawRecord, RuleUpdate, SignalRecord>
        implements OneInputStreamOperator<RawRecord, SignalRecord> {
    private static final long serialVersionUID = 1L;

    public DetectOperator(DetectFunction detect) {
        super(detect, List.of(LiveRules.STATE));
        setChainingStrategy(ChainingStrategy.ALWAYS);
    }

    /** The data input when there is no control input: the same as the records' side of two inputs. */
    @Override
    public void processElement(StreamRecord<RawRecord> element) throws Exception {
        processElement1(element);
    }
}
