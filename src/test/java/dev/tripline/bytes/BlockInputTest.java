package dev.tripline.bytes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import org.junit.jupiter.api.Test;

class BlockInputTest {
    @Test
    void readsWhatDataOutputStreamWrites() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeBoolean(true);
            out.writeByte(-3);
            out.writeByte(200);
            out.writeShort(-2);
            out.writeShort(65_000);
            out.writeChar('ü');
            out.writeInt(Integer.MIN_VALUE + 5);
            out.writeInt(-1);
            out.writeLong(Long.MIN_VALUE + 7);
            out.writeLong(0x0102030405060708L);
            out.writeFloat(-1.5f);
            out.writeDouble(Math.PI);
            out.writeUTF("naïve \u2028");
            out.write(new byte[] {1, 2, 3, 4, 5});
            out.write("Grüße".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        BlockInput in = new BlockInput(bytes.toByteArray());
        assertThat(in.readBoolean()).isTrue();
        assertThat(in.readByte()).isEqualTo((byte) -3);
        assertThat(in.readUnsignedByte()).isEqualTo(200);
        assertThat(in.readShort()).isEqualTo((short) -2);
        assertThat(in.readUnsignedShort()).isEqualTo(65_000);
        assertThat(in.readChar()).isEqualTo('ü');
        assertThat(in.readInt()).isEqualTo(Integer.MIN_VALUE + 5);
        assertThat(in.readInt()).isEqualTo(-1);
        assertThat(in.readLong()).isEqualTo(Long.MIN_VALUE + 7);
        assertThat(in.readLong()).isEqualTo(0x0102030405060708L);
        assertThat(in.readFloat()).isEqualTo(-1.5f);
        assertThat(in.readDouble()).isEqualTo(Math.PI);
        assertThat(in.readUTF()).isEqualTo("naïve \u2028");
        in.skip(1);
        assertThat(in.readBytes(2)).containsExactly(2, 3);
        byte[] two = new byte[3];
        in.readFully(two, 1, 2);
        assertThat(two).containsExactly(0, 4, 5);
        assertThat(in.readUtf8(in.remaining())).isEqualTo("Grüße");
        assertThat(in.remaining()).isZero();
    }

    @Test
    void aBlockThatEndsEarlyIsAnEofNotAMisread() {
        BlockInput in = new BlockInput(new byte[] {0, 0, 1});
        assertThatThrownBy(in::readInt).isInstanceOf(EOFException.class);
        assertThat(in.remaining()).as("nothing taken by the failed read").isEqualTo(3);
        assertThatThrownBy(() -> in.skip(4)).isInstanceOf(EOFException.class);
        assertThat(in.skipBytes(10)).isEqualTo(3);
        assertThatThrownBy(in::readBoolean).isInstanceOf(EOFException.class);
    }
}
