// Package jobs runs Fieldvisit's background work: the weekly planning run,
// the outbox dispatcher that sends e-mails, the day-before reminders and
// housekeeping (archiving sent mail and old plans, deleting expired
// sessions and tokens), each on its own schedule, wired to robfig/cron by
// Cron. The schedules and the time zone come parsed from config; nothing
// here reads or checks a setting.
//
// Every job body is a plain method (PlanRunner.Plan and RunTick,
// Dispatcher.Run, Reminders.Run, Housekeeping.Run) that the command line
// and an HTTP endpoint call just as cron does; nothing here keeps package-level state, and every clock is
// injected.
//
// # Single run across instances
//
// Several instances may run the same schedule on one database. A job that
// must run once claims a lease in the store (see store.ClaimLease): the
// claim is the insert of a document whose _id names the resource and the
// attempt, which is atomic on MongoDB and on the embedded server alike,
// while a filter-guarded update is not atomic across connections on the
// latter. A planning tick is claimed as "plan:<week>@<tick RFC 3339>", so
// exactly one instance plans each tick; the holder renews its lease every
// third of its TTL while the planner runs, and an instance that stops
// renewing (it crashed or froze) is taken over once the lease expires, by
// the next instance that fires for the tick or retries it. A holder whose
// renewal fails stops its run (its context is cancelled with ErrLeaseLost).
//
// # E-mail delivery guarantee
//
// Publishing writes e-mails to the outbox, each under an idempotency key
// naming the change and the recipient, so the same change is never queued
// twice. The Dispatcher claims one due message at a time with a short lease
// "outbox:<id>", re-reads it, sends it and then marks it sent. Delivery is
// at least once, never lost:
//
//   - A message leaves the pending state only when it is marked sent
//     (after the SMTP server accepted it), or failed after the configured
//     number of attempts; a failed message stays listed until a coordinator
//     retries it.
//   - A dispatcher that dies or is cancelled between claim and send leaves
//     the message pending; when its lease expires another dispatcher claims
//     it and sends it.
//   - A dispatcher that dies between the server's acceptance and the mark
//     leaves it pending too, so it is sent again after the lease expires.
//     That second copy is byte-for-byte the same stored message with the
//     same Message-ID (derived from the outbox _id), and calendar
//     invitations carry the same UID and SEQUENCE, so mail systems that
//     de-duplicate by Message-ID, and every calendar app, treat it as the
//     same message. This window is the only source of duplicates.
//
// Failed attempts are retried with exponential backoff (Backoff), jittered
// so that many messages failing together do not retry in lockstep. A
// permanent refusal (a 5xx reply, an unusable address) fails the message at
// once. When several messages in a row fail, the server is taken to be down
// and the pass ends, leaving the rest due, their attempts unspent.
//
// # Which week a tick plans
//
// A planning tick plans the week that starts on the first Monday after the
// tick's date in the service's time zone (WeekAfter): the default nightly
// tick at 02:00 re-plans the coming week every night as a new draft
// version, and Sunday night's tick plans the week starting the next morning.
// Whether Saturday is a working day is the planner's setting
// (FIELDVISIT_PLAN_SATURDAY), not the scheduler's.
package jobs
