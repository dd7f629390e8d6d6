// Package wiring builds the service's planning, publishing and e-mail parts
// (planner, plan runner, publisher, composer, outbox dispatcher, reminders,
// housekeeping and the SMTP sender) from one Config. The binary and the tests
// that run those parts together (e2e, the plan handlers' tests) all build
// them here, so that a test exercises the wiring the service runs with;
// what a test chooses differently (its clock, reply-to, send timeout) is a
// Config value, not a copy of the code.
//
// It imports no HTTP package: the handlers' own tests can use it.
package wiring

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/fieldvisit/fieldvisit/jobs"
	"github.com/fieldvisit/fieldvisit/notify"
	"github.com/fieldvisit/fieldvisit/planning"
	"github.com/fieldvisit/fieldvisit/publish"
	"github.com/fieldvisit/fieldvisit/store"
	"github.com/fieldvisit/fieldvisit/templates"
	"github.com/fieldvisit/fieldvisit/travel"
)

// Config is what New needs. Store and Location are required; every other
// zero value has a default.
type Config struct {
	Store    *store.Store
	Location *time.Location
	// Travel estimates journeys; nil means travel.DefaultModel().
	Travel travel.Source
	// Now is the clock of the planner, publisher, dispatcher and
	// housekeeping; nil means time.Now.
	Now func() time.Time
	// Logger nil discards.
	Logger *slog.Logger

	// BaseURL is the public address mails link to.
	BaseURL string
	// ReplyTo is where answers to the mails go (the coordinators).
	ReplyTo string
	// Organizer is the ORGANIZER of invitations; zero means ReplyTo.
	Organizer notify.Person

	// Seed makes plans reproducible.
	Seed int64
	// PlanTimeLimit bounds a planning run (0: the engine's iteration budget).
	PlanTimeLimit time.Duration
	// PlanSaturday plans Saturdays as well.
	PlanSaturday bool
	// AutoPublish publishes the plan the runner makes.
	AutoPublish bool
	// Holder names this instance in the publisher's leases; empty means
	// jobs.HolderID().
	Holder string

	// SMTP is the mail server; nil leaves mail in the development mailbox
	// (the outbox, read on /dev/mailbox) and lets housekeeping clear it.
	SMTP *notify.SMTPConfig
	// OutboxMaxAttempts and SendTimeout tune the dispatcher (0: its
	// defaults).
	OutboxMaxAttempts int
	SendTimeout       time.Duration

	// ObservePlanner, ObserveSender and ObserveOutbox, when set, wrap the
	// planner the plan runner calls, the SMTP sender and the dispatcher's
	// outbox store: the binary measures their work this way.
	ObservePlanner func(jobs.WeekPlanner) jobs.WeekPlanner
	ObserveSender  func(notify.Sender) notify.Sender
	ObserveOutbox  func(jobs.OutboxStore) jobs.OutboxStore
}

// Services are the parts New builds. Close releases the SMTP connections.
type Services struct {
	Composer   *notify.Composer
	Planner    *planning.Planner
	Publisher  *publish.Publisher
	Runner     *jobs.PlanRunner
	Dispatcher *jobs.Dispatcher
	Reminders  *jobs.Reminders
	// Housekeeping archives and deletes what the other jobs leave behind.
	Housekeeping *jobs.Housekeeping
	// SMTP is nil when Config.SMTP is: mail then goes to the development
	// mailbox.
	SMTP *notify.SMTP
}

// New builds the services on cfg.Store.
func New(cfg Config) (*Services, error) {
	if cfg.Store == nil || cfg.Location == nil {
		return nil, errors.New("wiring: a store and a location are required")
	}
	if cfg.Travel == nil {
		cfg.Travel = travel.DefaultModel()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Holder == "" {
		cfg.Holder = jobs.HolderID()
	}
	s := &Services{}
	if err := s.planning(cfg); err != nil {
		return nil, err
	}
	if err := s.mail(cfg); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// planning builds the composer, planner, publisher and plan runner.
func (s *Services) planning(cfg Config) error {
	var err error
	s.Composer, err = notify.NewComposer(templates.Mail, cfg.Location, notify.ComposerConfig{
		BaseURL: cfg.BaseURL, ReplyTo: cfg.ReplyTo, Organizer: cfg.Organizer,
	})
	if err != nil {
		return fmt.Errorf("wiring: composer: %w", err)
	}
	s.Planner, err = planning.NewPlanner(planning.Config{
		Store: cfg.Store, Travel: cfg.Travel, Location: cfg.Location,
		TimeLimit: cfg.PlanTimeLimit, Saturday: cfg.PlanSaturday, Seed: cfg.Seed,
		Now: cfg.Now, Logger: cfg.Logger.With("component", "planner"),
	})
	if err != nil {
		return fmt.Errorf("wiring: planner: %w", err)
	}
	s.Publisher, err = publish.New(publish.Config{
		Store: cfg.Store, Composer: s.Composer, Location: cfg.Location, Holder: cfg.Holder,
		Now: cfg.Now, Logger: cfg.Logger.With("component", "publisher"),
	})
	if err != nil {
		return fmt.Errorf("wiring: publisher: %w", err)
	}
	var planner jobs.WeekPlanner = s.Planner
	if cfg.ObservePlanner != nil {
		planner = cfg.ObservePlanner(planner)
	}
	s.Runner, err = jobs.NewPlanRunner(jobs.PlanRunnerConfig{
		Store: cfg.Store, Planner: planner, Publisher: s.Publisher, AutoPublish: cfg.AutoPublish,
		Location: cfg.Location, Logger: cfg.Logger,
	})
	if err != nil {
		return fmt.Errorf("wiring: plan runner: %w", err)
	}
	return nil
}

// mail builds the SMTP sender, the outbox dispatcher, the reminders and
// housekeeping.
func (s *Services) mail(cfg Config) error {
	dcfg := jobs.DispatcherConfig{
		Store: cfg.Store, MaxAttempts: cfg.OutboxMaxAttempts, SendTimeout: cfg.SendTimeout,
		Now: cfg.Now, Logger: cfg.Logger,
	}
	if cfg.SMTP != nil {
		s.SMTP = notify.NewSMTP(*cfg.SMTP)
		dcfg.Sender = s.SMTP
		if cfg.ObserveSender != nil {
			dcfg.Sender = cfg.ObserveSender(s.SMTP)
		}
	}
	if cfg.ObserveOutbox != nil {
		dcfg.Store = cfg.ObserveOutbox(cfg.Store)
	}
	var err error
	if s.Dispatcher, err = jobs.NewDispatcher(dcfg); err != nil {
		return fmt.Errorf("wiring: dispatcher: %w", err)
	}
	s.Reminders, err = jobs.NewReminders(jobs.RemindersConfig{
		Store: cfg.Store, Composer: s.Composer, Location: cfg.Location, Logger: cfg.Logger,
	})
	if err != nil {
		return fmt.Errorf("wiring: reminders: %w", err)
	}
	s.Housekeeping, err = jobs.NewHousekeeping(jobs.HousekeepingConfig{
		Store: cfg.Store, Mailbox: s.SMTP == nil, Now: cfg.Now, Logger: cfg.Logger,
	})
	if err != nil {
		return fmt.Errorf("wiring: housekeeping: %w", err)
	}
	return nil
}

// Close releases the SMTP connection pool.
func (s *Services) Close() {
	if s.SMTP != nil {
		_ = s.SMTP.Close()
	}
}
