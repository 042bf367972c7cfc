package dev.tripline.io;

import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * Client settings passed through to a Kafka or AWS client as they are (security protocol, SASL, TLS stores,
 * credentials provider), some of them secrets. A secret is read from the environment or a file when the
 * configuration is parsed and never shown again: {@link #toString()} prints {@code ***} for it, and for any key
 * whose name says it holds a password or a login module, so a secret written inline is not logged either; and
 * every such value is registered with {@link Secrets}, which masks it in any message of this process.
 */
public final class ClientProperties implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final ClientProperties EMPTY = new ClientProperties(Map.of(), Set.of());

    private final LinkedHashMap<String, String> values;
    private final TreeSet<String> secretKeys;

    public ClientProperties(Map<String, String> values, Set<String> secretKeys) {
        this.values = new LinkedHashMap<>(values);
        this.secretKeys = new TreeSet<>(secretKeys);
        // Whatever echoes a value back (a client's "Invalid value" message, a log line) shows no secret.
        this.values.forEach((k, v) -> {
            if (isSecret(k)) {
                Secrets.register(v);
            }
        });
    }

    public static ClientProperties empty() {
        return EMPTY;
    }

    public Map<String, String> values() {
        return Collections.unmodifiableMap(values);
    }

    public String get(String key) {
        return values.get(key);
    }

    /** A copy with {@code key} set, unless the configuration already set it. */
    public ClientProperties withDefault(String key, String value) {
        if (values.containsKey(key) || value == null) {
            return this;
        }
        LinkedHashMap<String, String> v = new LinkedHashMap<>(values);
        v.put(key, value);
        return new ClientProperties(v, secretKeys);
    }

    public Properties toProperties() {
        Properties p = new Properties();
        p.putAll(values);
        return p;
    }

    /** True for keys whose values are never printed. */
    public boolean isSecret(String key) {
        if (secretKeys.contains(key)) {
            return true;
        }
        String k = key.toLowerCase(Locale.ROOT);
        return k.contains("password")
                || k.contains("jaas")
                || k.contains("secret")
                || k.contains("token")
                || k.endsWith(".key")
                || k.contains("sessionkey");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClientProperties c && values.equals(c.values) && secretKeys.equals(c.secretKeys);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("{");
        for (Map.Entry<String, String> e : values.entrySet()) {
            if (b.length() > 1) {
                b.append(", ");
            }
            b.append(e.getKey()).append('=').append(isSecret(e.getKey()) ? "***" : e.getValue());
        }
        return b.append('}').toString();
    }
}
