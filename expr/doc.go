// Package expr parses, evaluates and renders Milvus boolean filter
// expressions, so that milvbench can compute a filter's exact passing set
// (the ground truth of filtered search) and send the same filter to a
// server, as an expression template or inlined.
//
// # Language
//
// The subset of Milvus's grammar (internal/parser/planparserv2/Plan.g4)
// that users write in filters:
//
//   - literals: integers (decimal, int64), floats (1.5, 2e3, 1.0e-3; not
//     "1." or ".5"), true/True/TRUE, false/False/FALSE, strings in double or
//     single quotes with Milvus's escapes \\ \" \n \r \t \a \b \f \v
//     \xHH \ooo \uHHHH \UHHHHHHHH, and \' in single quotes (Milvus
//     rejects it in double quotes); a minus sign before a number;
//   - field names; JSON paths and array elements meta["brand"]["x"],
//     meta["arr"][0], tags[0] (no blanks inside, as in Milvus's lexer);
//   - comparisons == != < <= > >= between a field, path or array_length(…)
//     and a literal or placeholder, on either side; chained ranges
//     10 < price <= 100 and 100 > price >= 10;
//   - x in [..], x not in [..] (x a field or path, the list literals or
//     placeholders, or a whole-list placeholder);
//   - x like "pattern" with % (any run) and _ (any one character);
//   - x is null, x is not null;
//   - array_contains(x, v), array_contains_all(x, [..]),
//     array_contains_any(x, [..]), array_length(x), with json_contains* as
//     aliases;
//   - and or not && || !, parentheses; a bare bool field is a condition;
//   - placeholders {name}: Milvus expression templates.
//
// Keywords and function names are lower or upper case (Milvus's lexer);
// other spellings of them are reserved, as Milvus Lite reads keywords in any
// case. As in Milvus, not binds to the next term only: write not (a == 1).
// Integers with leading zeros (octal in Milvus, decimal in Lite) and hex or
// binary literals are rejected. Not supported: arithmetic, comparing two
// fields, $meta and dynamic fields, exists, text_match, phrase_match,
// regular expressions, raw strings, timestamps, geometry, struct fields,
// and placeholders as like patterns.
//
// Errors from Parse and Bind are *Error: one line with the column where it
// failed and what was expected. Check validates an expression against a
// collection's field kinds.
//
// # Semantics
//
// Eval follows Milvus Lite 3.2 (the server the tests run against), whose
// filter evaluator is Python: column-wise (Arrow) for expressions over plain
// fields, row by row once an expression reads a JSON path or calls an array
// function. Logic is three-valued: a comparison, like or in on a null field,
// a missing JSON key or a JSON null is unknown; not keeps unknown unknown;
// unknown and false is false, unknown or true is true; a row passes only if
// the whole expression is true. So `n != 7` and `not (n == 7)` both drop
// rows where n is null, and only `is null` / `is not null` select them.
// Empty arrays are arrays: array_contains(tags, 1) is false on [], and
// array_contains_all(tags, []) is true.
//
// Where Milvus Lite differs from Milvus's documented rule that a null
// operand excludes the row, Eval follows Lite, which the corpus test checks:
//
//   - x in [..] on a null plain field is false, not unknown, when the
//     expression is column-wise, so `x not in [..]` and `not (x in [..])`
//     keep null rows; in a row-wise expression it is unknown;
//   - array_contains* on a null array, or on a path that is not an array,
//     is false, and array_length is 0, so `not array_contains(tags, 1)`
//     and `array_length(tags) == 0` keep rows where tags is null;
//   - values found through a JSON path compare as in Python: a number with a
//     number (true and false are 1 and 0), a string with a string; == between
//     other types is false (so != is true), ordering between them unknown;
//     like on a non-string is false;
//   - like escapes: column-wise a backslash makes the next character
//     literal (`"100\\%"` matches "100%"); row-wise it is an ordinary
//     character, and a value ending in a newline also matches a pattern
//     that matches it without the newline (Python's re `$`).
//
// Milvus Lite also has no expression templates (it ignores filter_params:
// send Inline), rejects chained ranges (send lo < x and x < hi), `in` on a
// JSON path, array_length of a path, and the escapes other than \\ \" \'
// \n \r \t; String and Inline write strings with only \\ \" \n \r \t.
//
// # Rendering
//
// String is the canonical text; Parse(e.String()) gives the same tree.
// Template gives the text with placeholders and the filter_params to send
// with it (client/v2: WithTemplateParam per entry); Inline substitutes the
// values as literals; Bind does the substitution and returns the bound
// Expr that Eval needs.
package expr
