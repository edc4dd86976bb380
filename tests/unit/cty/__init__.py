"""The cty type system: types, values and both codecs, checked against go-cty's rules."""
