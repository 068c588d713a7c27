"""The SDK's dataset expressions, for TabularDataset.filter: `dataset['col']` starts one, and
it combines with comparisons (== != < <= > >=), arithmetic (+ - * /), the logical operators
& | ~, and the functions starts_with, ends_with, contains, is_null, is_error:

    ds.filter((ds['age'] >= 18) & ~ds['name'].starts_with('test_'))

An expression is evaluated on the rows (a pandas DataFrame) when the filtered dataset's rows
are taken, as the SDK evaluates it lazily per record. A null compares false, as in the SDK.
Plain values; not synchronized.
"""

import operator


class Expression:
    """A value per record: a column, a literal, or an operation on expressions."""

    def __init__(self, evaluate, text):
        self._evaluate = evaluate
        self._text = text

    def _eval(self, df):
        return self._evaluate(df)

    def __repr__(self):
        return self._text

    def __bool__(self):
        raise TypeError("a dataset expression (%s) has no truth value; combine expressions with &, | and ~, "
                        "not and/or/not" % self._text)

    # Comparisons and arithmetic (the methods are made below from _BINARY).
    def _binary(self, other, op, symbol):
        rhs = _as_expression(other)
        return Expression(lambda df: op(self._eval(df), rhs._eval(df)), "(%r %s %r)" % (self, symbol, rhs))

    __hash__ = None

    # Logical operators: on boolean expressions, nulls as false.
    def __and__(self, other):
        rhs = _as_expression(other)
        return Expression(lambda df: _truth(self._eval(df)) & _truth(rhs._eval(df)), "(%r & %r)" % (self, rhs))

    def __or__(self, other):
        rhs = _as_expression(other)
        return Expression(lambda df: _truth(self._eval(df)) | _truth(rhs._eval(df)), "(%r | %r)" % (self, rhs))

    def __invert__(self):
        return Expression(lambda df: ~_truth(self._eval(df)), "~%r" % (self,))

    # Functions.
    def _string(self, method, value, name):
        if not isinstance(value, str):
            raise TypeError("%s: the value is a str, not %s" % (name, type(value).__name__))
        return Expression(lambda df: getattr(self._eval(df).astype("string").str, method)(value),
                          "%r.%s(%r)" % (self, name, value))

    def starts_with(self, value):
        return self._string("startswith", value, "starts_with")

    def ends_with(self, value):
        return self._string("endswith", value, "ends_with")

    def contains(self, value):
        if not isinstance(value, str):
            raise TypeError("contains: the value is a str, not %s" % type(value).__name__)
        return Expression(lambda df: self._eval(df).astype("string").str.contains(value, regex=False),
                          "%r.contains(%r)" % (self, value))

    def is_null(self):
        return Expression(lambda df: self._eval(df).isna(), "%r.is_null()" % (self,))

    def is_error(self):
        # runnel's reader makes a value that does not parse a null, never an error value.
        return Expression(lambda df: self._eval(df).isna() & False, "%r.is_error()" % (self,))


_BINARY = {"__eq__": (operator.eq, "=="), "__ne__": (operator.ne, "!="), "__lt__": (operator.lt, "<"),
           "__le__": (operator.le, "<="), "__gt__": (operator.gt, ">"), "__ge__": (operator.ge, ">="),
           "__add__": (operator.add, "+"), "__sub__": (operator.sub, "-"), "__mul__": (operator.mul, "*"),
           "__truediv__": (operator.truediv, "/")}


def _make_binary(op, symbol):
    return lambda self, other: self._binary(other, op, symbol)


for _name, (_op, _symbol) in _BINARY.items():
    setattr(Expression, _name, _make_binary(_op, _symbol))


def _truth(series):
    """A boolean series with nulls as False (pandas' nullable booleans included)."""
    if hasattr(series, "fillna"):
        return series.fillna(False).astype(bool)
    return bool(series)


def _as_expression(value):
    if isinstance(value, Expression):
        return value
    if not isinstance(value, (str, int, float, bool)) and value is not None and not hasattr(value, "isoformat"):
        raise TypeError("a dataset expression compares with columns, str, numbers, bools and datetimes, "
                        "not %s" % type(value).__name__)
    return Expression(lambda df: value, repr(value))


def column(name, columns):
    """The expression of column `name`; KeyError naming the columns when there is none."""
    if not isinstance(name, str):
        raise TypeError("a dataset column is indexed by its name (a str), not %r" % (name,))
    if name not in columns:
        raise KeyError("dataset has no column %r; the columns are %s" % (name, list(columns)))
    return Expression(lambda df: df[name], "dataset[%r]" % name)


def evaluate_filter(expression, df):
    """The rows of `df` for which `expression` is true (nulls are false)."""
    if not isinstance(expression, Expression):
        raise TypeError("filter: the expression is built from the dataset's columns (dataset['col'] > 3, "
                        "combined with & | ~), not %s" % type(expression).__name__)
    mask = expression._eval(df)
    if not hasattr(mask, "index"):
        raise TypeError("filter: %r is not a condition on each record" % (expression,))
    return df[_truth(mask).to_numpy()]
