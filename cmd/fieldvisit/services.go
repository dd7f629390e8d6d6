package main

import (
	"fmt"
	"log/slog"
	"net/mail"
	"time"

	"github.com/fieldvisit/fieldvisit/config"
	"github.com/fieldvisit/fieldvisit/jobs"
	"github.com/fieldvisit/fieldvisit/metrics"
	"github.com/fieldvisit/fieldvisit/notify"
	"github.com/fieldvisit/fieldvisit/planning"
	"github.com/fieldvisit/fieldvisit/publish"
	"github.com/fieldvisit/fieldvisit/store"
	"github.com/fieldvisit/fieldvisit/templates"
	"github.com/fieldvisit/fieldvisit/travel"
)

// services are the planning, publishing and e-mail parts of the process,
// built the same way for "serve" and "plan".
type services struct {
	composer   *notify.Composer
	planner    *planning.Planner
	publisher  *publish.Publisher
	runner     *jobs.PlanRunner
	dispatcher *jobs.Dispatcher
	reminders  *jobs.Reminders
	// housekeeping archives and deletes what the other jobs leave behind.
	housekeeping *jobs.Housekeeping
	// smtp is nil when no SMTP host is configured: mail then goes to the
	// development mailbox.
	smtp *notify.SMTP
}

// newServices wires the planner, the publisher, the outbox dispatcher, the
// reminders and housekeeping onto st, measured by m unless it is nil.
// Close releases the SMTP connections.
func newServices(cfg config.Config, st *store.Store, loc *time.Location, log *slog.Logger, m *metrics.Metrics) (*services, error) {
	from, err := mail.ParseAddress(cfg.SMTP.From)
	if err != nil {
		return nil, fmt.Errorf("SMTP_FROM %q: %w", cfg.SMTP.From, err)
	}
	// Answers go to the coordinators when their address is configured,
	// else to the sender.
	replyTo := from.Address
	if cfg.CoordinatorEmail != "" {
		replyTo = cfg.CoordinatorEmail
	}
	composer, err := notify.NewComposer(templates.Mail, loc, notify.ComposerConfig{
		BaseURL:   cfg.BaseURL,
		ReplyTo:   replyTo,
		Organizer: notify.Person{Name: from.Name, Email: from.Address},
	})
	if err != nil {
		return nil, err
	}
	planner, err := planning.NewPlanner(planning.Config{
		Store:     st,
		Travel:    travel.DefaultModel(),
		Location:  loc,
		TimeLimit: cfg.Jobs.PlanTimeLimit,
		Saturday:  cfg.Jobs.PlanSaturday,
		Seed:      1,
		Now:       time.Now,
		Logger:    log.With("component", "planner"),
	})
	if err != nil {
		return nil, err
	}
	publisher, err := publish.New(publish.Config{
		Store: st, Composer: composer, Location: loc, Holder: jobs.HolderID(),
		Now: time.Now, Logger: log.With("component", "publisher"),
	})
	if err != nil {
		return nil, err
	}
	var weekPlanner jobs.WeekPlanner = planner
	if m != nil {
		weekPlanner = m.Planner(planner)
	}
	runner, err := jobs.NewPlanRunner(jobs.PlanRunnerConfig{
		Store: st, Planner: weekPlanner, Publisher: publisher, AutoPublish: cfg.Jobs.AutoPublish,
		Location: loc, Logger: log,
	})
	if err != nil {
		return nil, err
	}
	s := &services{composer: composer, planner: planner, publisher: publisher, runner: runner}
	dcfg := jobs.DispatcherConfig{Store: st, MaxAttempts: cfg.Jobs.OutboxMaxAttempts, Now: time.Now, Logger: log}
	if cfg.SMTP.Host != "" {
		tlsMode, err := notify.ParseTLSMode(cfg.SMTP.TLS)
		if err != nil {
			return nil, err
		}
		s.smtp = notify.NewSMTP(notify.SMTPConfig{
			Host: cfg.SMTP.Host, Port: cfg.SMTP.Port, Username: cfg.SMTP.Username, Password: cfg.SMTP.Password,
			From: cfg.SMTP.From, TLS: tlsMode,
		})
		dcfg.Sender = s.smtp
		if m != nil {
			dcfg.Sender = m.Sender(s.smtp)
		}
	}
	if m != nil {
		dcfg.Store = observedOutbox{OutboxStore: st, m: m, now: time.Now}
	}
	if s.dispatcher, err = jobs.NewDispatcher(dcfg); err != nil {
		s.close()
		return nil, err
	}
	if s.reminders, err = jobs.NewReminders(jobs.RemindersConfig{Store: st, Composer: composer, Location: loc, Logger: log}); err != nil {
		s.close()
		return nil, err
	}
	if s.housekeeping, err = jobs.NewHousekeeping(jobs.HousekeepingConfig{Store: st, Mailbox: s.smtp == nil, Now: time.Now, Logger: log}); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// close releases the SMTP connection pool.
func (s *services) close() {
	if s.smtp != nil {
		_ = s.smtp.Close()
	}
}
