package dev.tripline.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.ConcurrentModificationException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link MemberMap} must behave as the {@code LinkedHashMap} Jackson puts in an {@code ObjectNode} by default. */
class MemberMapTest {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    @Test
    void agreesWithLinkedHashMapUnderRandomChanges() {
        SplittableRandom random = new SplittableRandom(11);
        for (int run = 0; run < 300; run++) {
            // Up to 40 distinct keys: objects on both sides of the size where the index starts.
            int keyCount = 1 + random.nextInt(40);
            MemberMap mine = new MemberMap();
            Map<String, JsonNode> theirs = new LinkedHashMap<>();
            for (int op = 0; op < 200; op++) {
                // A fresh copy half the time, so lookups compare by equals as well as by identity.
                String key = "k" + random.nextInt(keyCount);
                if (random.nextBoolean()) {
                    key = new String(key);
                }
                JsonNode value = F.numberNode(op);
                switch (random.nextInt(10)) {
                    case 0, 1, 2, 3, 4 -> assertThat(mine.put(key, value)).isEqualTo(theirs.put(key, value));
                    case 5 -> assertThat(mine.remove(key)).isEqualTo(theirs.remove(key));
                    case 6 ->
                        removeEveryThird(
                                mine.entrySet().iterator(), theirs.entrySet().iterator());
                    case 7 -> {
                        assertThat(mine.putIfAbsent(key, value)).isEqualTo(theirs.putIfAbsent(key, value));
                    }
                    case 8 -> {
                        if (random.nextInt(20) == 0) {
                            mine.clear();
                            theirs.clear();
                        }
                    }
                    default -> {
                        assertThat(mine.get(key)).isEqualTo(theirs.get(key));
                        assertThat(mine.containsKey(key)).isEqualTo(theirs.containsKey(key));
                    }
                }
                assertSame(mine, theirs);
            }
        }
    }

    @Test
    void aRepeatedKeyKeepsItsFirstPlaceAndItsLastValue() {
        MemberMap map = new MemberMap();
        map.put("a", F.numberNode(1));
        map.put("b", F.numberNode(2));
        map.put("a", F.numberNode(3));
        assertThat(new ArrayList<>(map.keySet())).containsExactly("a", "b");
        assertThat(map.get("a")).isEqualTo(F.numberNode(3));
    }

    @Test
    void anObjectNodeOverItReadsWritesAndComparesAsJacksonsOwn() throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        String json = "{\"b\":1,\"a\":{\"x\":[1,2,{\"y\":null}]},\"c\":\"t\",\"d\":true,\"e\":1.5,"
                + "\"f\":2,\"g\":3,\"h\":4,\"i\":5,\"j\":6,\"k\":7}";
        ObjectNode jackson = (ObjectNode) mapper.readTree(json);
        ObjectNode mine = new ObjectNode(F, new MemberMap());
        jackson.fields().forEachRemaining(e -> mine.set(e.getKey(), e.getValue()));
        assertThat(mine).isEqualTo(jackson);
        assertThat(jackson).isEqualTo(mine);
        assertThat(mine.hashCode()).isEqualTo(jackson.hashCode());
        assertThat(mine.toString()).isEqualTo(json);
        assertThat(mapper.writeValueAsString(mine)).isEqualTo(json);
        assertThat(mine.deepCopy()).isEqualTo(jackson);

        mine.remove("a");
        jackson.remove("a");
        mine.retain("b", "c", "k");
        jackson.retain("b", "c", "k");
        assertThat(mine.toString()).isEqualTo(jackson.toString()).isEqualTo("{\"b\":1,\"c\":\"t\",\"k\":7}");
    }

    @Test
    void iteratorsFailFastOnAChangeBesideThem() {
        MemberMap map = new MemberMap();
        map.put("a", F.numberNode(1));
        map.put("b", F.numberNode(2));
        Iterator<Map.Entry<String, JsonNode>> it = map.entrySet().iterator();
        it.next();
        map.put("c", F.numberNode(3));
        assertThatThrownBy(it::next).isInstanceOf(ConcurrentModificationException.class);
        assertThatThrownBy(() -> map.put(null, F.nullNode())).isInstanceOf(NullPointerException.class);
        assertThat(map.get(null)).isNull();
        assertThat(map.get(1)).isNull();
    }

    private static void removeEveryThird(
            Iterator<Map.Entry<String, JsonNode>> mine, Iterator<Map.Entry<String, JsonNode>> theirs) {
        for (int i = 0; theirs.hasNext(); i++) {
            assertThat(mine.hasNext()).isTrue();
            Map.Entry<String, JsonNode> m = mine.next();
            Map.Entry<String, JsonNode> t = theirs.next();
            assertThat(m).isEqualTo(t);
            assertThat(m.hashCode()).isEqualTo(t.hashCode());
            if (i % 3 == 0) {
                mine.remove();
                theirs.remove();
            } else if (i % 3 == 1) {
                JsonNode v = F.textNode("set" + i);
                assertThat(m.setValue(v)).isEqualTo(t.setValue(v));
            }
        }
        assertThat(mine.hasNext()).isFalse();
    }

    private static void assertSame(MemberMap mine, Map<String, JsonNode> theirs) {
        assertThat(mine.size()).isEqualTo(theirs.size());
        assertThat(mine.isEmpty()).isEqualTo(theirs.isEmpty());
        List<Map.Entry<String, JsonNode>> a = new ArrayList<>(mine.entrySet());
        List<Map.Entry<String, JsonNode>> b = new ArrayList<>(theirs.entrySet());
        assertThat(a).isEqualTo(b);
        assertThat(mine).isEqualTo(theirs);
        assertThat(theirs).isEqualTo(mine);
        assertThat(mine.hashCode()).isEqualTo(theirs.hashCode());
        assertThat(mine.toString()).isEqualTo(theirs.toString());
        for (String k : theirs.keySet()) {
            assertThat(mine.get(new String(k))).isEqualTo(theirs.get(k));
        }
    }
}
