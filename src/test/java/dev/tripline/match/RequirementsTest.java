package dev.tripline.match;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.event.FieldPath;
import dev.tripline.event.LogType;
import dev.tripline.match.Requirements.FieldRequirement;
import dev.tripline.match.Requirements.Kind;
import dev.tripline.match.Requirements.Literal;
import dev.tripline.rule.Expr;
import dev.tripline.rule.ValuePredicate;
import dev.tripline.rule.ValuePredicate.GlobPart;
import dev.tripline.rule.ValuePredicate.Mode;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RequirementsTest {
    private static Expr text(String field, Mode mode, String value) {
        return new Expr.Match(FieldPath.of(field), new ValuePredicate.Text(mode, value, false));
    }

    private static List<FieldRequirement> of(Expr e) {
        return Requirements.of(e, LogType.CLOUDTRAIL);
    }

    private static FieldRequirement equals(String field, String... values) {
        return new FieldRequirement(field, Kind.EQUALS, Set.of(values), Set.of());
    }

    private static FieldRequirement contains(String field, Literal... literals) {
        return new FieldRequirement(field, Kind.CONTAINS, Set.of(), Set.of(literals));
    }

    @Test
    void aConjunctionRequiresWhatEachTermRequires() {
        Expr e = new Expr.And(List.of(
                text("eventName", Mode.EQUALS, "CreateUser"),
                text("event.provider", Mode.EQUALS, "iam.amazonaws.com"), // ECS rename of eventSource
                new Expr.Not(new Expr.IsNull(FieldPath.of("errorCode"), false)),
                new Expr.Not(text("userAgent", Mode.CONTAINS, "console")),
                new Expr.Keyword(new ValuePredicate.Text(Mode.CONTAINS, "x", false))));
        assertThat(of(e))
                .containsExactly(
                        equals("eventname", "createuser"),
                        equals("eventsource", "iam.amazonaws.com"),
                        FieldRequirement.present("errorcode"));
    }

    @Test
    void alternativesRequireTheUnionOnTheFieldsAllOfThemConstrain() {
        Expr e = new Expr.Or(List.of(
                new Expr.And(List.of(
                        text("eventName", Mode.EQUALS, "A"), text("eventSource", Mode.EQUALS, "s3.amazonaws.com"))),
                text("eventName", Mode.PREFIX, "Put"),
                new Expr.Const(false)));
        assertThat(of(e))
                .containsExactly(contains("eventname", new Literal("a", true, true), new Literal("put", true, false)));
        // Presence on one side makes presence of the whole; a side that pins nothing makes nothing.
        assertThat(of(new Expr.Or(
                        List.of(text("eventName", Mode.EQUALS, "A"), new Expr.Exists(FieldPath.of("eventName"))))))
                .containsExactly(FieldRequirement.present("eventname"));
        assertThat(of(new Expr.Or(List.of(text("eventName", Mode.EQUALS, "A"), text("eventSource", Mode.EQUALS, "B")))))
                .isEmpty();
        assertThat(of(new Expr.And(List.of(text("eventName", Mode.EQUALS, "A"), new Expr.Const(false)))))
                .isNull();
    }

    @Test
    void readsLiteralsOfGlobsAndRegexesWithTheirAnchors() {
        Expr glob = new Expr.Match(
                FieldPath.of("userIdentity.arn"),
                new ValuePredicate.Glob(
                        List.of(
                                GlobPart.literal("arn:"),
                                GlobPart.ANY_RUN,
                                GlobPart.literal(":assumed-role/"),
                                GlobPart.ANY_CHAR,
                                GlobPart.literal("/i-")),
                        false));
        assertThat(of(glob))
                .containsExactly(
                        contains("useridentity\u0000arn", new Literal("arn:", true, false)),
                        contains("useridentity\u0000arn", new Literal(":assumed-role/", false, false)),
                        contains("useridentity\u0000arn", new Literal("/i-", false, true)));
        Expr regex = new Expr.Match(
                FieldPath.of("userIdentity.arn"),
                ValuePredicate.Regex.compile(".+:Assumed-Role/aws:.+", true, false, false));
        assertThat(of(regex))
                .containsExactly(contains("useridentity\u0000arn", new Literal(":assumed-role/aws:", false, false)));
        // Literals the automaton cannot hold (not ASCII) and tests without one only require a value.
        assertThat(of(text("x", Mode.CONTAINS, "ünï"))).containsExactly(FieldRequirement.present("x"));
        assertThat(of(new Expr.Match(FieldPath.of("sourceIPAddress"), ValuePredicate.Cidr.parse("10.0.0.0/8"))))
                .containsExactly(FieldRequirement.present("sourceipaddress"));
    }
}
