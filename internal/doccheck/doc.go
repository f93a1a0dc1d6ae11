// Package doccheck holds a test, and nothing else: that every exported
// identifier of the module's packages (functions, types, methods of
// exported types, struct fields, interface methods, constants and
// variables) has a doc comment, so that go doc always has something to
// say.
package doccheck
