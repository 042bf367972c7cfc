/*
 * Kibana Query Language (KQL, "kuery"), as Elastic detection rules use it: field:value with wildcards,
 * field:* (exists), value lists in parentheses with and/or/not, nested field groups field:{ ... }, ranges
 * (field >= value), and/or/not between clauses (case-insensitive keywords) and bare values (full-text terms).
 */
grammar Kql;

@header {
// Generated from Kql.g4 by ANTLR; do not edit.
}

query : orQuery? EOF ;

orQuery : andQuery (OR andQuery)* ;

andQuery : notQuery (AND notQuery)* ;

notQuery : NOT notQuery | subQuery ;

subQuery
    : LPAREN orQuery RPAREN              # groupQuery
    | field COLON LBRACE orQuery RBRACE  # nestedQuery
    | field RANGE value                  # rangeQuery
    | field COLON valueList              # fieldQuery
    | value                              # termQuery
    ;

valueList
    : LPAREN orValues RPAREN             # valueGroup
    | value                              # singleValue
    ;

orValues : andValues (OR andValues)* ;

andValues : notValues (AND notValues)* ;

notValues : NOT notValues | valueList ;

field : UNQUOTED | QUOTED ;

// An unquoted value may hold spaces ("*S3 Browser*"), as in Kibana's grammar: the words up to a keyword or a
// special character, spaces between them kept.
value : UNQUOTED+ | QUOTED ;

OR : [oO][rR] ;
AND : [aA][nN][dD] ;
NOT : [nN][oO][tT] ;
LPAREN : '(' ;
RPAREN : ')' ;
LBRACE : '{' ;
RBRACE : '}' ;
COLON : ':' ;
RANGE : '<=' | '>=' | '<' | '>' ;
QUOTED : '"' ( '\\' . | ~["\\] )* '"' ;
UNQUOTED : ( '\\' . | ~[ \t\r\n\\():<>"{}] )+ ;
WS : [ \t\r\n]+ -> skip ;
