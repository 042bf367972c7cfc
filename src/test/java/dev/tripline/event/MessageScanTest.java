package dev.tripline.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The word-at-a-time pre-scan of a message must answer as a byte-by-byte loop does, wherever the bytes fall. */
class MessageScanTest {

    @Test
    void findsTheFirstLineEndUnlessANulIsAnywhere() {
        SplittableRandom random = new SplittableRandom(5);
        byte[] alphabet = {'{', '"', 'a', ' ', '\n', 0, (byte) 0x8a, (byte) 0xff, (byte) 0x80, 0x0b, 0x01};
        for (int run = 0; run < 200_000; run++) {
            byte[] b = new byte[random.nextInt(40)];
            for (int i = 0; i < b.length; i++) {
                // Mostly plain bytes, so most arrays hold no NUL and the line end's position is what is tested.
                b[i] = random.nextInt(8) == 0 ? alphabet[random.nextInt(alphabet.length)] : (byte) 'x';
            }
            int from = b.length == 0 ? 0 : random.nextInt(b.length + 1);
            assertThat(EventParser.lineEndUnlessNul(b, from, b.length)).isEqualTo(byteByByte(b, from, b.length));
        }
    }

    private static int byteByByte(byte[] b, int from, int to) {
        int nl = -1;
        for (int i = from; i < to; i++) {
            if (b[i] == 0) {
                return EventParser.HAS_NUL;
            }
            if (b[i] == '\n' && nl < 0) {
                nl = i;
            }
        }
        return nl;
    }
}
