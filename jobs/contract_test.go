package jobs_test

import (
	"github.com/fieldvisit/fieldvisit/jobs"
	"github.com/fieldvisit/fieldvisit/notify"
	"github.com/fieldvisit/fieldvisit/planning"
	"github.com/fieldvisit/fieldvisit/publish"
	"github.com/fieldvisit/fieldvisit/store"
)

// The service wires these together; a change of signature on either side
// must fail here rather than in cmd.
var (
	_ jobs.PlanStore         = (*store.Store)(nil)
	_ jobs.OutboxStore       = (*store.Store)(nil)
	_ jobs.ReminderStore     = (*store.Store)(nil)
	_ jobs.WeekPlanner       = (*planning.Planner)(nil)
	_ jobs.Publisher         = (*publish.Publisher)(nil)
	_ jobs.ReminderComposer  = (*notify.Composer)(nil)
	_ notify.Sender          = (*notify.SMTP)(nil)
	_ jobs.TickRunner        = (*jobs.PlanRunner)(nil)
	_ jobs.DayRunner         = (*jobs.Reminders)(nil)
	_ jobs.PassRunner        = (*jobs.Dispatcher)(nil)
	_ jobs.PassRunner        = (*jobs.Housekeeping)(nil)
	_ jobs.HousekeepingStore = (*store.Store)(nil)
)
