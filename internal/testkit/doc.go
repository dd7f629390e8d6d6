// Package testkit is support for the service's tests, and for nothing else:
// no production code imports it. It holds the fixtures several packages'
// tests need alike, so that each is written once:
//
//   - Clock, a settable clock that stores, jobs and servers of a test share;
//   - SMTPServer, a real SMTP server (github.com/emersion/go-smtp) on a
//     loopback port that records what arrived;
//   - Moscow, the time zone most tests run in.
//
// It imports no package of the service, so the tests of any package,
// internal or external, can use it without an import cycle. For the same
// reason the database lives in store/storetest (it needs the store) and the
// wiring of planner, publisher and dispatcher stays with the tests that
// build it (testkit could not import publish while publish's own tests
// import testkit).
package testkit
