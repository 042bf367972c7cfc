/*
 * Event Query Language (EQL), the part Elastic detection rules use: "<category> where <condition>" and
 * "sequence [by keys] [with maxspan=N] [step] [by keys] ... [until [step]]", with missing-event steps (![...])
 * and "with runs=N"; conditions with and/or/not, comparisons, in/in~, ":" (case-insensitive, wildcards),
 * like/like~, regex/regex~, function calls and null. Keywords are lower case, as in Elastic's EQL.
 */
grammar Eql;

@header {
// Generated from Eql.g4 by ANTLR; do not edit.
}

query : (sequence | eventQuery) EOF ;

sequence
    : SEQUENCE sequenceHeader* step+ (UNTIL untilStep=step)?
    ;

sequenceHeader
    : joinKeys                             # sequenceBy
    | WITH MAXSPAN ASSIGN DURATION          # sequenceMaxspan
    ;

step
    : missing=BANG? LBRACKET eventQuery RBRACKET joinKeys? (WITH RUNS ASSIGN runs=NUMBER)?
    ;

joinKeys : BY field (COMMA field)* ;

eventQuery : category WHERE condition ;

category : ANY | IDENT | STRING ;

condition
    : NOT condition                         # notCondition
    | condition AND condition               # andCondition
    | condition OR condition                # orCondition
    | predicate                             # predicateCondition
    ;

predicate
    : LPAREN condition RPAREN                                       # groupPredicate
    | operand op=(EQ | NEQ | LT | LTE | GT | GTE) operand           # comparePredicate
    | operand NOT? op=(IN | IN_I) LPAREN literal (COMMA literal)* RPAREN   # inPredicate
    | operand op=(COLON | LIKE | LIKE_I | REGEX | REGEX_I) patterns  # patternPredicate
    | functionCall                                                  # functionPredicate
    | field                                                         # fieldPredicate
    | (TRUE | FALSE)                                                # constantPredicate
    ;

patterns
    : literal
    | LPAREN literal (COMMA literal)* RPAREN
    ;

operand : functionCall | field | literal ;

functionCall : name=IDENT TILDE? LPAREN (operand (COMMA operand)*)? RPAREN ;

field : fieldPart (DOT fieldPart)* ;

fieldPart : IDENT | BACKQUOTED | ANY | SEQUENCE | MAXSPAN | RUNS ;

literal : STRING | NUMBER | TRUE | FALSE | NULL ;

SEQUENCE : 'sequence' ;
UNTIL : 'until' ;
WITH : 'with' ;
MAXSPAN : 'maxspan' ;
RUNS : 'runs' ;
BY : 'by' ;
WHERE : 'where' ;
ANY : 'any' ;
AND : 'and' ;
OR : 'or' ;
NOT : 'not' ;
IN_I : 'in~' ;
IN : 'in' ;
LIKE_I : 'like~' ;
LIKE : 'like' ;
REGEX_I : 'regex~' ;
REGEX : 'regex' ;
TRUE : 'true' ;
FALSE : 'false' ;
NULL : 'null' ;
EQ : '==' ;
NEQ : '!=' ;
LTE : '<=' ;
GTE : '>=' ;
LT : '<' ;
GT : '>' ;
ASSIGN : '=' ;
COLON : ':' ;
TILDE : '~' ;
BANG : '!' ;
LPAREN : '(' ;
RPAREN : ')' ;
LBRACKET : '[' ;
RBRACKET : ']' ;
COMMA : ',' ;
DOT : '.' ;
DURATION : [0-9]+ ('ms' | 's' | 'm' | 'h' | 'd') ;
NUMBER : '-'? [0-9]+ ('.' [0-9]+)? ;
STRING
    : '"""' .*? '"""'
    | '"' ( '\\' . | ~["\\\r\n] )* '"'
    | '\'' ( '\\' . | ~['\\\r\n] )* '\''
    ;
BACKQUOTED : '`' ~[`\r\n]* '`' ;
IDENT : [a-zA-Z_@] [a-zA-Z0-9_@]* ;
LINE_COMMENT : '//' ~[\r\n]* -> skip ;
BLOCK_COMMENT : '/*' .*? '*/' -> skip ;
WS : [ \t\r\n]+ -> skip ;
