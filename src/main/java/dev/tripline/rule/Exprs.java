package dev.tripline.rule;

import java.util.List;
import java.util.function.UnaryOperator;

/** Generic walks over {@link Expr} trees (Java 17 has no pattern switch, so the shape is written once here). */
public final class Exprs {
    private Exprs() {}

    /** The direct sub-expressions of {@code e}; leaves have none. NamedList's expansion counts as a leaf. */
    public static List<Expr> children(Expr e) {
        if (e instanceof Expr.And a) {
            return a.terms();
        } else if (e instanceof Expr.Or o) {
            return o.terms();
        } else if (e instanceof Expr.Not n) {
            return List.of(n.term());
        } else if (e instanceof Expr.Selection s) {
            return List.of(s.body());
        } else if (e instanceof Expr.Elements el) {
            return List.of(el.element());
        }
        return List.of();
    }

    /** {@code e} with each direct sub-expression replaced by {@code f(child)}; leaves are returned as they are. */
    public static Expr mapChildren(Expr e, UnaryOperator<Expr> f) {
        if (e instanceof Expr.And a) {
            return new Expr.And(a.terms().stream().map(f).toList());
        } else if (e instanceof Expr.Or o) {
            return new Expr.Or(o.terms().stream().map(f).toList());
        } else if (e instanceof Expr.Not n) {
            return new Expr.Not(f.apply(n.term()));
        } else if (e instanceof Expr.Selection s) {
            return new Expr.Selection(s.name(), f.apply(s.body()));
        } else if (e instanceof Expr.Elements el) {
            return new Expr.Elements(el.list(), el.quantifier(), f.apply(el.element()));
        }
        return e;
    }
}
